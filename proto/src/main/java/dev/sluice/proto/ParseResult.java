package dev.sluice.proto;

/**
 * The classification codes of {@link PacketParser#parse} and {@link HeaderWalk}: plain ints, so a
 * worker counts them in a {@code long[]} without allocating. Each code names one reason; its
 * category and layer come from tables here.
 *
 * <ul>
 *   <li><b>OK</b>: every header Sluice knows was present and consistent.</li>
 *   <li><b>TRUNCATED_x</b>: the bytes that enclose header x ended inside it. For Ethernet, VLAN,
 *       ARP and the fixed IPv4/IPv6 headers (IPv4 options included) that is the frame; for IPv6
 *       extension headers and L4 headers it is the IP payload as the IP length field gives it
 *       (a first fragment too short for its L4 header is TRUNCATED_TCP, say).</li>
 *   <li><b>MALFORMED_x</b>: a field has a value the standard forbids or that contradicts the
 *       frame (an IP length field claiming more bytes than the frame holds is MALFORMED, not
 *       TRUNCATED: the header is complete and wrong, or the frame lost bytes; either way the
 *       datagram cannot be used).</li>
 *   <li><b>UNSUPPORTED_x</b>: well formed as far as it was read, but not something Sluice parses.</li>
 * </ul>
 *
 * <p>Codes are dense from 0 to {@link #COUNT} - 1 and stable within a release (counters files
 * carry them); append new codes, never renumber.
 */
public final class ParseResult {
    public static final int OK = 0;

    public static final int TRUNCATED_ETHERNET = 1;
    public static final int TRUNCATED_VLAN = 2;
    public static final int TRUNCATED_ARP = 3;
    public static final int TRUNCATED_IPV4 = 4;
    public static final int TRUNCATED_IPV6 = 5;
    public static final int TRUNCATED_IPV6_EXTENSION = 6;
    public static final int TRUNCATED_TCP = 7;
    public static final int TRUNCATED_UDP = 8;
    public static final int TRUNCATED_ICMP = 9;
    public static final int TRUNCATED_ICMPV6 = 10;

    /** EtherType 0x0800 but the version nibble is not 4. */
    public static final int MALFORMED_IPV4_VERSION = 11;
    /** IHL below 5. */
    public static final int MALFORMED_IPV4_IHL = 12;
    /** Total Length below the header length, or beyond the frame. */
    public static final int MALFORMED_IPV4_TOTAL_LENGTH = 13;
    /** Fragment offset plus fragment data beyond 65535 bytes (the "ping of death"), or the reserved flag set. */
    public static final int MALFORMED_IPV4_FRAGMENT = 14;
    /** EtherType 0x86DD but the version nibble is not 6. */
    public static final int MALFORMED_IPV6_VERSION = 15;
    /** Payload Length beyond the frame. */
    public static final int MALFORMED_IPV6_PAYLOAD_LENGTH = 16;
    /**
     * Extension header chain longer than {@link HeaderWalk#MAX_IPV6_EXTENSION_HEADERS}, or a
     * Hop-by-Hop header anywhere but first (RFC 8200 §4.1).
     */
    public static final int MALFORMED_IPV6_EXTENSION_CHAIN = 17;
    /** TCP Data Offset below 5. */
    public static final int MALFORMED_TCP_DATA_OFFSET = 18;
    /** UDP Length below 8 or beyond the IP payload (of an unfragmented datagram). */
    public static final int MALFORMED_UDP_LENGTH = 19;
    /** The frame bounds handed to the parser are not inside the segment (a bad descriptor). */
    public static final int MALFORMED_FRAME_BOUNDS = 20;

    /** Neither IPv4, IPv6 nor ARP (LLC frames with an 802.3 length included). */
    public static final int UNSUPPORTED_ETHERTYPE = 21;
    /** More than two VLAN tags. */
    public static final int UNSUPPORTED_VLAN_DEPTH = 22;
    /** ARP for other than Ethernet and IPv4. */
    public static final int UNSUPPORTED_ARP_FORMAT = 23;

    /** Number of codes: the size of a counter array. */
    public static final int COUNT = 24;

    public static final int CATEGORY_OK = 0;
    public static final int CATEGORY_TRUNCATED = 1;
    public static final int CATEGORY_MALFORMED = 2;
    public static final int CATEGORY_UNSUPPORTED = 3;

    private static final String[] NAMES = {
            "ok",
            "truncated_ethernet", "truncated_vlan", "truncated_arp", "truncated_ipv4", "truncated_ipv6",
            "truncated_ipv6_extension", "truncated_tcp", "truncated_udp", "truncated_icmp", "truncated_icmpv6",
            "malformed_ipv4_version", "malformed_ipv4_ihl", "malformed_ipv4_total_length", "malformed_ipv4_fragment",
            "malformed_ipv6_version", "malformed_ipv6_payload_length", "malformed_ipv6_extension_chain",
            "malformed_tcp_data_offset", "malformed_udp_length", "malformed_frame_bounds",
            "unsupported_ethertype", "unsupported_vlan_depth", "unsupported_arp_format",
    };

    /** Layer of the header each code is about: 2 (Ethernet, VLAN, ARP), 3 (IP), 4 (TCP/UDP/ICMP); 0 for OK. */
    private static final byte[] LAYERS = {
            0,
            2, 2, 2, 3, 3, 3, 4, 4, 4, 4,
            3, 3, 3, 3, 3, 3, 3, 4, 4, 2,
            2, 2, 2,
    };

    private ParseResult() {
    }

    public static int category(int code) {
        if (code == OK) {
            return CATEGORY_OK;
        }
        if (code <= TRUNCATED_ICMPV6) {
            return CATEGORY_TRUNCATED;
        }
        return code <= MALFORMED_FRAME_BOUNDS ? CATEGORY_MALFORMED : CATEGORY_UNSUPPORTED;
    }

    public static boolean isTruncated(int code) {
        return category(code) == CATEGORY_TRUNCATED;
    }

    public static boolean isMalformed(int code) {
        return category(code) == CATEGORY_MALFORMED;
    }

    public static boolean isUnsupported(int code) {
        return category(code) == CATEGORY_UNSUPPORTED;
    }

    /** The layer (2, 3 or 4) of the header a code is about; 0 for OK. */
    public static int layer(int code) {
        return LAYERS[code];
    }

    /** A stable lower-case name for reports and counters files (a constant, no allocation). */
    public static String name(int code) {
        return code >= 0 && code < COUNT ? NAMES[code] : "unknown";
    }
}
