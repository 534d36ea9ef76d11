package dev.sluice.proto;

/**
 * IP protocol numbers (the IPv4 Protocol field and the IPv6 Next Header values) that Sluice
 * parses or walks (IANA "Assigned Internet Protocol Numbers").
 */
public final class IpProtocol {
    /** IPv6 Hop-by-Hop Options header (RFC 8200): only valid directly after the IPv6 header. */
    public static final int HOPOPT = 0;
    public static final int ICMP = 1;
    /** IPv4 encapsulated in IP (IP-in-IP, RFC 2003; IANA keyword "IPv4"). */
    public static final int IPV4 = 4;
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** IPv6 encapsulated in IP (6in4 RFC 4213, IP6IP6 and 4in6 RFC 2473; IANA keyword "IPv6"). */
    public static final int IPV6 = 41;
    /** IPv6 Routing header. */
    public static final int ROUTING = 43;
    /** IPv6 Fragment header. */
    public static final int FRAGMENT = 44;
    /** Encapsulating Security Payload: opaque, the extension header walk stops here. */
    public static final int ESP = 50;
    /** Authentication Header (length in 4-octet units, RFC 4302). */
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    /** IPv6 No Next Header: nothing follows; trailing bytes are ignored (RFC 8200 §4.7). */
    public static final int NO_NEXT_HEADER = 59;
    /** IPv6 Destination Options header. */
    public static final int DSTOPTS = 60;
    /** Mobility header (RFC 6275), HIP (RFC 7401), Shim6 (RFC 5533): generic extension header format. */
    public static final int MOBILITY = 135;
    public static final int HIP = 139;
    public static final int SHIM6 = 140;

    private IpProtocol() {
    }

    /**
     * True for the IPv6 extension headers that the parser walks through (RFC 8200 §4, RFC 7045):
     * all of them start with Next Header and a length byte. ESP is not one of them: what follows
     * it is encrypted.
     */
    public static boolean isIpv6ExtensionHeader(int nextHeader) {
        return switch (nextHeader) {
            case HOPOPT, ROUTING, FRAGMENT, AH, DSTOPTS, MOBILITY, HIP, SHIM6 -> true;
            default -> false;
        };
    }
}
