package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * The one walk from the Ethernet header to the L4 header: which VLAN tags are skipped, where L3
 * and L4 start, which checks a header must pass before the next one is touched. The parser, the
 * flow hasher, the header swaps and the emitted steering program (which uses these constants and
 * mirrors these steps instruction by instruction) all follow it, so they agree on every frame.
 *
 * <pre>
 * Ethernet ─ [tag] [tag] ─┬─ IPv4: version 4, 5 &lt;= IHL, IHL*4 &lt;= frame, IHL*4 &lt;= Total Length &lt;= frame,
 *  tags: 0x8100 0x88a8,   │        reserved flag clear, offset + data &lt;= 65535
 *  at most MAX_VLAN_TAGS  ├─ IPv6: version 6, 40 + Payload Length &lt;= frame, then at most
 *                         │        MAX_IPV6_EXTENSION_HEADERS extension headers, each inside the payload,
 *                         │        Hop-by-Hop only first; the walk stops after a non-first Fragment header
 *                         └─ anything else (ARP included): not IP, the walk ends at L2
 * L4, bounded by the IP payload (not the frame), skipped for a non-first fragment:
 *   TCP  >= 20 bytes, 5 &lt;= Data Offset, Data Offset*4 &lt;= payload      ports at 0 and 2
 *   UDP  >= 8 bytes, 8 &lt;= Length, Length &lt;= payload unless a fragment  ports at 0 and 2
 *   ICMP in IPv4, ICMPv6 in IPv6  >= 8 bytes; IPv6 No Next Header and other protocols: nothing
 * </pre>
 *
 * <p>A frame fails at the first check it misses, with the {@link ParseResult} code of that check.
 *
 * <h2>Results</h2>
 * Each step returns its findings packed in one {@code long} (no allocation, no state: the swaps
 * and the hasher call it from static code), read with the static accessors below:
 *
 * <pre>
 *  63            48 47    42 41  38  37 36 35 34 33 32 31      24 23             8 7        0
 * +----------------+--------+------+--+--+--+--+-----+----------+----------------+----------+
 * | IPv4: Total    | ext    | ext  |P |L |F |6 |VLAN | L4       | L4 offset      | code     |
 * | Length; IPv6:  | mask   | count|  |  |  |  |tags | protocol | (L2 step: the  |          |
 * | Fragment header|        |      |  |  |  |  |     |          |  EtherType)    |          |
 * +----------------+--------+------+--+--+--+--+-----+----------+----------------+----------+
 *  P: ports present   L: non-first fragment (no L4 header)   F: fragment   6: IPv6 (else IPv4)
 * </pre>
 *
 * Offsets are frame-relative. The L3 offset follows from the tag count: 14 + 4 per tag.
 */
public final class HeaderWalk {
    /** 802.1Q and 802.1ad tags skipped in front of the EtherType; a third tag is UNSUPPORTED_VLAN_DEPTH. */
    public static final int MAX_VLAN_TAGS = 2;
    /** Longest IPv6 extension header chain walked; a longer one is MALFORMED_IPV6_EXTENSION_CHAIN (a DoS vector). */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;
    /** The two ports at the start of a TCP or UDP header: source at 0, destination at 2. */
    public static final int PORTS_LENGTH = 4;
    /** Bytes an ICMP or ICMPv6 header needs (type, code, checksum, the 4-byte rest). */
    public static final int ICMP_MIN_LENGTH = IcmpHeader.LENGTH;

    /** {@link #extensionMask} bits. */
    public static final int EXT_HOP_BY_HOP = 1;
    public static final int EXT_ROUTING = 1 << 1;
    public static final int EXT_FRAGMENT = 1 << 2;
    public static final int EXT_DESTINATION_OPTIONS = 1 << 3;
    public static final int EXT_AUTHENTICATION = 1 << 4;
    public static final int EXT_OTHER = 1 << 5;

    private static final int CODE_MASK = 0xFF;
    private static final int L4_OFFSET_SHIFT = 8;
    private static final int L4_PROTOCOL_SHIFT = 24;
    private static final int VLAN_SHIFT = 32;
    private static final long VLAN_BITS = 0x3L << VLAN_SHIFT;
    private static final long IPV6 = 1L << 34;
    private static final long FRAGMENT = 1L << 35;
    private static final long LATER_FRAGMENT = 1L << 36;
    private static final long PORTS = 1L << 37;
    private static final int EXT_COUNT_SHIFT = 38;
    private static final int EXT_MASK_SHIFT = 42;
    /** IPv4: Total Length; IPv6: the Fragment header's offset. */
    private static final int L3_FIELD_SHIFT = 48;

    private HeaderWalk() {
    }

    /** True for the TPIDs of the VLAN policy: 802.1Q (0x8100) and 802.1ad (0x88a8). */
    public static boolean isVlanTpid(int etherType) {
        return etherType == VlanTag.TPID_8021Q || etherType == VlanTag.TPID_8021AD;
    }

    /** The L3 offset of a frame with {@code vlanTags} tags. */
    public static int l3Offset(int vlanTags) {
        return EthernetHeader.LENGTH + vlanTags * VlanTag.LENGTH;
    }

    // ---------------------------------------------------------------- the whole walk

    /**
     * Walks the frame of {@code length} bytes at {@code base} of {@code segment} from Ethernet to
     * the L4 header. Code OK means the frame is IPv4 or IPv6 and passed every check above; a non-IP
     * frame ends with UNSUPPORTED_ETHERTYPE (its EtherType is then in the L4 offset field,
     * {@link #etherType}). The caller guarantees that the frame lies inside the segment.
     */
    public static long walk(MemorySegment segment, long base, int length) {
        long l2 = ethernet(segment, base, length);
        if (code(l2) != ParseResult.OK) {
            return l2;
        }
        int l3 = l3Offset(vlanCount(l2));
        int type = etherType(l2);
        long ip;
        if (type == EthernetHeader.ETHERTYPE_IPV4) {
            ip = ipv4(segment, base, length, l3) | (l2 & VLAN_BITS);
        } else if (type == EthernetHeader.ETHERTYPE_IPV6) {
            ip = ipv6(segment, base, length, l3) | (l2 & VLAN_BITS);
        } else {
            return withCode(l2, ParseResult.UNSUPPORTED_ETHERTYPE);
        }
        if (code(ip) != ParseResult.OK) {
            return ip;
        }
        int end = (ip & IPV6) != 0
                ? l3 + Ipv6Header.LENGTH + u16(segment, base + l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET)
                : l3 + ipv4TotalLength(ip);
        int code = transport(segment, base, l4Offset(ip), end, l4Protocol(ip), ip);
        long result = withCode(ip, code);
        return code == ParseResult.OK && carriesPorts(ip) ? result | PORTS : result;
    }

    // ---------------------------------------------------------------- the steps

    /** Ethernet and the VLAN tags: code, tag count and EtherType (in the L4 offset field). */
    public static long ethernet(MemorySegment segment, long base, int length) {
        if (length < EthernetHeader.LENGTH) {
            return ParseResult.TRUNCATED_ETHERNET;
        }
        int type = u16(segment, base + EthernetHeader.ETHERTYPE_OFFSET);
        int tags = 0;
        int pos = EthernetHeader.LENGTH;
        while (isVlanTpid(type)) {
            if (tags == MAX_VLAN_TAGS) {
                return pack(ParseResult.UNSUPPORTED_VLAN_DEPTH, type, 0) | (long) tags << VLAN_SHIFT;
            }
            if (length - pos < VlanTag.LENGTH) {
                return pack(ParseResult.TRUNCATED_VLAN, type, 0) | (long) tags << VLAN_SHIFT;
            }
            type = u16(segment, base + pos + VlanTag.INNER_ETHERTYPE_OFFSET);
            pos += VlanTag.LENGTH;
            tags++;
        }
        return pack(ParseResult.OK, type, 0) | (long) tags << VLAN_SHIFT;
    }

    /** The IPv4 header at {@code l3}: code, L4 offset, protocol, fragment bits. */
    public static long ipv4(MemorySegment segment, long base, int length, int l3) {
        int avail = length - l3;
        if (avail < Ipv4Header.MIN_LENGTH) {
            return ParseResult.TRUNCATED_IPV4;
        }
        long at = base + l3;
        int vihl = u8(segment, at + Ipv4Header.VERSION_IHL_OFFSET);
        if ((vihl >>> 4) != 4) {
            return ParseResult.MALFORMED_IPV4_VERSION;
        }
        int hl = (vihl & 0x0F) * 4;
        if (hl < Ipv4Header.MIN_LENGTH) {
            return ParseResult.MALFORMED_IPV4_IHL;
        }
        if (hl > avail) {
            return ParseResult.TRUNCATED_IPV4;
        }
        int total = u16(segment, at + Ipv4Header.TOTAL_LENGTH_OFFSET);
        if (total < hl || total > avail) {
            return ParseResult.MALFORMED_IPV4_TOTAL_LENGTH;
        }
        int ff = u16(segment, at + Ipv4Header.FLAGS_FRAGMENT_OFFSET);
        int offset = (ff & Ipv4Header.FRAGMENT_OFFSET_MASK) * 8;
        long bits = pack(ParseResult.OK, l3 + hl, u8(segment, at + Ipv4Header.PROTOCOL_OFFSET))
                | (long) total << L3_FIELD_SHIFT;
        if (offset != 0) {
            bits |= FRAGMENT | LATER_FRAGMENT;
        } else if ((ff & Ipv4Header.FLAG_MORE_FRAGMENTS) != 0) {
            bits |= FRAGMENT;
        }
        if ((ff & Ipv4Header.FLAG_RESERVED) != 0 || offset + (total - hl) > 0xFFFF) {
            return withCode(bits, ParseResult.MALFORMED_IPV4_FRAGMENT);
        }
        return bits;
    }

    /**
     * The IPv6 header at {@code l3} and its extension headers: code, L4 offset (after the last
     * extension header), L4 protocol, fragment bits, extension count and mask, fragment header.
     */
    public static long ipv6(MemorySegment segment, long base, int length, int l3) {
        int avail = length - l3;
        if (avail < Ipv6Header.LENGTH) {
            return ParseResult.TRUNCATED_IPV6;
        }
        long at = base + l3;
        if ((u8(segment, at + Ipv6Header.VERSION_CLASS_FLOW_OFFSET) >>> 4) != 6) {
            return ParseResult.MALFORMED_IPV6_VERSION;
        }
        int end = l3 + Ipv6Header.LENGTH + u16(segment, at + Ipv6Header.PAYLOAD_LENGTH_OFFSET);
        if (end > length) {
            return IPV6 | ParseResult.MALFORMED_IPV6_PAYLOAD_LENGTH;
        }
        int next = u8(segment, at + Ipv6Header.NEXT_HEADER_OFFSET);
        int p = l3 + Ipv6Header.LENGTH;
        int count = 0;
        int mask = 0;
        long flags = IPV6;
        while (IpProtocol.isIpv6ExtensionHeader(next)) {
            if ((next == IpProtocol.HOPOPT && count != 0) || count == MAX_IPV6_EXTENSION_HEADERS) {
                return flags | extensions(count, mask) | ParseResult.MALFORMED_IPV6_EXTENSION_CHAIN;
            }
            if (end - p < Ipv6ExtensionHeader.MIN_LENGTH) {
                return flags | extensions(count, mask) | ParseResult.TRUNCATED_IPV6_EXTENSION;
            }
            long h = base + p;
            int len = Ipv6ExtensionHeader.length(next, u8(segment, h + Ipv6ExtensionHeader.LENGTH_OFFSET));
            if (len > end - p) {
                return flags | extensions(count, mask) | ParseResult.TRUNCATED_IPV6_EXTENSION;
            }
            count++;
            mask |= extensionBit(next);
            int type = next;
            next = u8(segment, h + Ipv6ExtensionHeader.NEXT_HEADER_OFFSET);
            if (type == IpProtocol.FRAGMENT) {
                int word = u16(segment, h + Ipv6ExtensionHeader.FRAGMENT_OFFSET_FIELD_OFFSET);
                flags |= (long) p << L3_FIELD_SHIFT;
                p += len;
                if ((word & Ipv6ExtensionHeader.FRAGMENT_OFFSET_MASK) != 0) {
                    // What follows continues the fragmentable part: data, not headers.
                    flags |= FRAGMENT | LATER_FRAGMENT;
                    break;
                }
                // An atomic fragment (offset 0, M 0) is a whole datagram (RFC 6946): not a fragment.
                if ((word & Ipv6ExtensionHeader.FRAGMENT_MORE) != 0) {
                    flags |= FRAGMENT;
                }
            } else {
                p += len;
            }
        }
        return flags | extensions(count, mask) | pack(ParseResult.OK, p, next);
    }

    /**
     * The L4 header at {@code l4} of an IP datagram ending at {@code end} (frame-relative), for the
     * {@code ip} result of {@link #ipv4} or {@link #ipv6}: OK when the header the protocol needs
     * fits, else the code of the first check it misses. A non-first fragment has no L4 header: OK.
     */
    public static int transport(MemorySegment segment, long base, int l4, int end, int protocol, long ip) {
        if ((ip & LATER_FRAGMENT) != 0) {
            return ParseResult.OK;
        }
        return switch (protocol) {
            case IpProtocol.TCP -> tcp(segment, base, l4, end);
            case IpProtocol.UDP -> udp(segment, base, l4, end, (ip & FRAGMENT) != 0);
            case IpProtocol.ICMP -> (ip & IPV6) == 0 ? icmp(l4, end, ParseResult.TRUNCATED_ICMP) : ParseResult.OK;
            case IpProtocol.ICMPV6 -> (ip & IPV6) != 0 ? icmp(l4, end, ParseResult.TRUNCATED_ICMPV6) : ParseResult.OK;
            default -> ParseResult.OK;
        };
    }

    /** The TCP header at {@code l4}, in a datagram ending at {@code end}: 20 bytes, 5 &lt;= Data Offset, the options inside. */
    public static int tcp(MemorySegment segment, long base, int l4, int end) {
        int avail = end - l4;
        if (avail < TcpHeader.MIN_LENGTH) {
            return ParseResult.TRUNCATED_TCP;
        }
        int hl = (u8(segment, base + l4 + TcpHeader.DATA_OFFSET_OFFSET) >>> 4) * 4;
        if (hl < TcpHeader.MIN_LENGTH) {
            return ParseResult.MALFORMED_TCP_DATA_OFFSET;
        }
        return hl > avail ? ParseResult.TRUNCATED_TCP : ParseResult.OK;
    }

    /**
     * The UDP header at {@code l4}: 8 bytes, 8 &lt;= Length, and Length inside the datagram unless
     * it is a first fragment (which holds only part of what Length describes).
     */
    public static int udp(MemorySegment segment, long base, int l4, int end, boolean fragment) {
        int avail = end - l4;
        if (avail < UdpHeader.LENGTH) {
            return ParseResult.TRUNCATED_UDP;
        }
        int ulen = u16(segment, base + l4 + UdpHeader.LENGTH_OFFSET);
        return ulen < UdpHeader.LENGTH || (!fragment && ulen > avail) ? ParseResult.MALFORMED_UDP_LENGTH : ParseResult.OK;
    }

    /** An ICMP or ICMPv6 header: {@link #ICMP_MIN_LENGTH} bytes, else {@code truncated}. */
    public static int icmp(int l4, int end, int truncated) {
        return end - l4 < ICMP_MIN_LENGTH ? truncated : ParseResult.OK;
    }

    /** The {@link #extensionMask} bit of an extension header type. */
    public static int extensionBit(int type) {
        return switch (type) {
            case IpProtocol.HOPOPT -> EXT_HOP_BY_HOP;
            case IpProtocol.ROUTING -> EXT_ROUTING;
            case IpProtocol.FRAGMENT -> EXT_FRAGMENT;
            case IpProtocol.DSTOPTS -> EXT_DESTINATION_OPTIONS;
            case IpProtocol.AH -> EXT_AUTHENTICATION;
            default -> EXT_OTHER;
        };
    }

    // ---------------------------------------------------------------- accessors of a result

    /** The {@link ParseResult} code. */
    public static int code(long walk) {
        return (int) walk & CODE_MASK;
    }

    /** The EtherType after the tags (result of {@link #ethernet}, or of {@link #walk} for a non-IP frame). */
    public static int etherType(long walk) {
        return (int) (walk >>> L4_OFFSET_SHIFT) & 0xFFFF;
    }

    public static int vlanCount(long walk) {
        return (int) ((walk & VLAN_BITS) >>> VLAN_SHIFT);
    }

    /** First byte after the IP header(s): the L4 header unless a non-first fragment. */
    public static int l4Offset(long walk) {
        return (int) (walk >>> L4_OFFSET_SHIFT) & 0xFFFF;
    }

    /** IPv4 Protocol, or the Next Header after the IPv6 extension headers. */
    public static int l4Protocol(long walk) {
        return (int) (walk >>> L4_PROTOCOL_SHIFT) & 0xFF;
    }

    public static boolean isIpv6(long walk) {
        return (walk & IPV6) != 0;
    }

    /** Any fragment, first or not (an atomic IPv6 fragment is not one). */
    public static boolean isFragment(long walk) {
        return (walk & FRAGMENT) != 0;
    }

    /** A fragment with a non-zero offset: no L4 header, no ports. */
    public static boolean isLaterFragment(long walk) {
        return (walk & LATER_FRAGMENT) != 0;
    }

    /** A TCP or UDP header passed its checks: the ports are at {@link #l4Offset} and +2. */
    public static boolean hasPorts(long walk) {
        return (walk & PORTS) != 0;
    }

    /** True when the IP header(s) passed their checks: addresses are valid (the code is OK or about L4). */
    public static boolean hasAddresses(long walk) {
        int code = code(walk);
        return code == ParseResult.OK || ParseResult.layer(code) == 4;
    }

    public static int extensionCount(long walk) {
        return (int) (walk >>> EXT_COUNT_SHIFT) & 0xF;
    }

    public static int extensionMask(long walk) {
        return (int) (walk >>> EXT_MASK_SHIFT) & 0x3F;
    }

    /** Frame-relative offset of the IPv6 Fragment header, 0 when there is none (IPv6 results only). */
    public static int fragmentHeaderOffset(long walk) {
        return (int) (walk >>> L3_FIELD_SHIFT) & 0xFFFF;
    }

    /** The IPv4 Total Length (IPv4 results that passed the Total Length check only). */
    public static int ipv4TotalLength(long walk) {
        return (int) (walk >>> L3_FIELD_SHIFT) & 0xFFFF;
    }

    private static boolean carriesPorts(long ip) {
        int protocol = l4Protocol(ip);
        return (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) && (ip & LATER_FRAGMENT) == 0;
    }

    private static long pack(int code, int l4OffsetOrEtherType, int protocol) {
        return code | (long) l4OffsetOrEtherType << L4_OFFSET_SHIFT | (long) protocol << L4_PROTOCOL_SHIFT;
    }

    private static long extensions(int count, int mask) {
        return (long) count << EXT_COUNT_SHIFT | (long) mask << EXT_MASK_SHIFT;
    }

    private static long withCode(long walk, int code) {
        return (walk & ~(long) CODE_MASK) | code;
    }
}
