package dev.sluice.drivers.pcap;

/**
 * The link-layer header types (tcpdump.org/linktypes.html) that a capture may name. Sluice
 * processes Ethernet only; the others are named here so that a skipped packet's reason is readable.
 */
public final class LinkType {
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    public static final int RAW = 101;
    public static final int IEEE802_11 = 105;
    public static final int LINUX_SLL = 113;
    public static final int IEEE802_11_RADIOTAP = 127;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    public static final int LINUX_SLL2 = 276;

    private LinkType() {
    }

    /** {@code "1 (Ethernet)"}, {@code "113 (Linux cooked v1)"}, or just the number. */
    public static String describe(int linkType) {
        String name = switch (linkType) {
            case NULL -> "BSD loopback";
            case ETHERNET -> "Ethernet";
            case RAW -> "raw IP";
            case IEEE802_11 -> "802.11";
            case LINUX_SLL -> "Linux cooked v1";
            case IEEE802_11_RADIOTAP -> "802.11 radiotap";
            case IPV4 -> "raw IPv4";
            case IPV6 -> "raw IPv6";
            case LINUX_SLL2 -> "Linux cooked v2";
            default -> null;
        };
        return name == null ? Integer.toString(linkType) : linkType + " (" + name + ")";
    }
}
