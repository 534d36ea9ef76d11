package dev.sluice.proto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over packet bytes in place, the pieces built on it, and
 * incremental updates (RFC 1624) for header rewrites:
 *
 * <ul>
 *   <li>IPv4 header checksum;</li>
 *   <li>TCP and UDP over the IPv4 pseudo-header, and TCP, UDP and ICMPv6 over the IPv6
 *       pseudo-header (RFC 8200 §8.1);</li>
 *   <li>ICMPv4 (no pseudo-header);</li>
 *   <li>{@code update16/32/64}: the checksum after one field changed, without touching the rest
 *       of the packet: {@code HC' = ~(~HC + ~m + m')} (RFC 1624 eqn. 3).</li>
 * </ul>
 *
 * <p><b>UDP and zero.</b> Over IPv4 a UDP checksum of 0 means "no checksum": {@code *Valid}
 * accepts it and incremental updates leave it at 0. Over IPv6 it is invalid (RFC 8200 §8.1) and
 * {@link #l4OverIpv6Valid} rejects it. A computed UDP checksum of 0 is sent as 0xFFFF.
 *
 * <p><b>Equal to a full recomputation.</b> For any packet that is not all zeros, the folded sum is
 * never 0, so a full computation yields 0x0000..0xFFFE and never 0xFFFF. The incremental update
 * keeps that invariant (a folded sum of 0 is replaced by its other representation 0xFFFF), so an
 * update gives exactly the value a full recomputation would give; the tests check this bit for bit.
 *
 * <p>The caller passes bounds that lie inside the packet (the {@link PacketParser} and the header
 * flyweights do). Nothing allocates, nothing throws for any packet content.
 */
public final class Checksums {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Offset of the checksum field in a TCP header. */
    public static final int TCP_CHECKSUM_OFFSET = 16;
    /** Offset of the checksum field in a UDP header. */
    public static final int UDP_CHECKSUM_OFFSET = 6;
    /** Offset of the checksum field in ICMPv4 and ICMPv6 headers. */
    public static final int ICMP_CHECKSUM_OFFSET = 2;
    /** Offset of the header checksum in an IPv4 header. */
    public static final int IPV4_CHECKSUM_OFFSET = 10;

    private Checksums() {
    }

    /** Adds {@code len} bytes at {@code offset} as big-endian 16-bit words to {@code sum} (not folded). */
    public static long sum(MemorySegment seg, long offset, int len, long sum) {
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            sum += seg.get(INT_BE, offset + i) & 0xFFFF_FFFFL;
        }
        if (i + 2 <= len) {
            sum += seg.get(SHORT_BE, offset + i) & 0xFFFF;
            i += 2;
        }
        if (i < len) {
            sum += (seg.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    // ---------------------------------------------------------------- IPv4 header

    /** Computes and stores the checksum of the IPv4 header at {@code ip}. */
    public static void setIpv4Header(MemorySegment seg, long ip) {
        int ihl = (seg.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
        seg.set(SHORT_BE, ip + IPV4_CHECKSUM_OFFSET, (short) 0);
        seg.set(SHORT_BE, ip + IPV4_CHECKSUM_OFFSET, (short) fold(sum(seg, ip, ihl, 0)));
    }

    /** True when the IPv4 header at {@code ip} carries a correct checksum. */
    public static boolean ipv4HeaderValid(MemorySegment seg, long ip) {
        int ihl = (seg.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
        return fold(sum(seg, ip, ihl, 0)) == 0;
    }

    // ---------------------------------------------------------------- pseudo-headers

    /**
     * The unfolded sum of the IPv4 pseudo-header: source, destination, zero, protocol, and the TCP
     * or UDP length (RFC 793 / RFC 768).
     */
    public static long pseudoHeaderIpv4(MemorySegment seg, long ip, int l4Length, int protocol) {
        long s = seg.get(INT_BE, ip + 12) & 0xFFFF_FFFFL;
        s += seg.get(INT_BE, ip + 16) & 0xFFFF_FFFFL;
        return s + protocol + l4Length;
    }

    /**
     * The unfolded sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination (the one in
     * the IPv6 header; with a Routing header it should be the final destination, which this
     * method does not look up), 32-bit upper-layer length, three zero bytes, next header.
     */
    public static long pseudoHeaderIpv6(MemorySegment seg, long ip6, int l4Length, int nextHeader) {
        long s = sum(seg, ip6 + Ipv6Header.SOURCE_OFFSET, 32, 0);
        return s + (l4Length & 0xFFFF_FFFFL) + nextHeader;
    }

    /** Where the checksum sits in the L4 header of {@code protocol}, or -1 when it has none we know. */
    public static int checksumOffset(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> TCP_CHECKSUM_OFFSET;
            case IpProtocol.UDP -> UDP_CHECKSUM_OFFSET;
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> ICMP_CHECKSUM_OFFSET;
            default -> -1;
        };
    }

    // ---------------------------------------------------------------- TCP / UDP over IPv4

    /**
     * Computes and stores the UDP (protocol 17, checksum at +6) or TCP (6, at +16) checksum of the
     * segment at {@code l4} of {@code l4Length} bytes, over the IPv4 pseudo-header of {@code ip}.
     */
    public static void setL4OverIpv4(MemorySegment seg, long ip, long l4, int l4Length, int protocol) {
        long at = l4 + (protocol == IpProtocol.UDP ? UDP_CHECKSUM_OFFSET : TCP_CHECKSUM_OFFSET);
        seg.set(SHORT_BE, at, (short) 0);
        long s = pseudoHeaderIpv4(seg, ip, l4Length, protocol);
        int c = fold(sum(seg, l4, l4Length, s));
        if (protocol == IpProtocol.UDP && c == 0) {
            c = 0xFFFF; // UDP: 0 means "no checksum"
        }
        seg.set(SHORT_BE, at, (short) c);
    }

    /**
     * True when the TCP or UDP segment at {@code l4} carries a correct checksum over the IPv4
     * pseudo-header; also true for UDP with checksum 0 ("none", RFC 768).
     */
    public static boolean l4OverIpv4Valid(MemorySegment seg, long ip, long l4, int l4Length, int protocol) {
        if (protocol == IpProtocol.UDP && (seg.get(SHORT_BE, l4 + UDP_CHECKSUM_OFFSET) & 0xFFFF) == 0) {
            return true;
        }
        return fold(sum(seg, l4, l4Length, pseudoHeaderIpv4(seg, ip, l4Length, protocol))) == 0;
    }

    // ---------------------------------------------------------------- TCP / UDP / ICMPv6 over IPv6

    /**
     * Computes and stores the TCP, UDP or ICMPv6 checksum of the {@code l4Length} bytes at
     * {@code l4} over the IPv6 pseudo-header of the IPv6 header at {@code ip6}.
     */
    public static void setL4OverIpv6(MemorySegment seg, long ip6, long l4, int l4Length, int nextHeader) {
        long at = l4 + checksumOffset(nextHeader);
        seg.set(SHORT_BE, at, (short) 0);
        int c = fold(sum(seg, l4, l4Length, pseudoHeaderIpv6(seg, ip6, l4Length, nextHeader)));
        if (nextHeader == IpProtocol.UDP && c == 0) {
            c = 0xFFFF; // 0 is not allowed over IPv6 either: send its other representation
        }
        seg.set(SHORT_BE, at, (short) c);
    }

    /** True when the TCP, UDP or ICMPv6 checksum is correct; a UDP checksum of 0 is invalid over IPv6. */
    public static boolean l4OverIpv6Valid(MemorySegment seg, long ip6, long l4, int l4Length, int nextHeader) {
        if (nextHeader == IpProtocol.UDP && (seg.get(SHORT_BE, l4 + UDP_CHECKSUM_OFFSET) & 0xFFFF) == 0) {
            return false;
        }
        return fold(sum(seg, l4, l4Length, pseudoHeaderIpv6(seg, ip6, l4Length, nextHeader))) == 0;
    }

    /** Computes and stores the ICMPv6 checksum (RFC 4443 §2.3: over the IPv6 pseudo-header). */
    public static void setIcmpv6(MemorySegment seg, long ip6, long icmp, int length) {
        setL4OverIpv6(seg, ip6, icmp, length, IpProtocol.ICMPV6);
    }

    public static boolean icmpv6Valid(MemorySegment seg, long ip6, long icmp, int length) {
        return l4OverIpv6Valid(seg, ip6, icmp, length, IpProtocol.ICMPV6);
    }

    // ---------------------------------------------------------------- ICMPv4

    /** Computes and stores the ICMPv4 checksum over the {@code length} bytes of the message (RFC 792). */
    public static void setIcmpv4(MemorySegment seg, long icmp, int length) {
        seg.set(SHORT_BE, icmp + ICMP_CHECKSUM_OFFSET, (short) 0);
        seg.set(SHORT_BE, icmp + ICMP_CHECKSUM_OFFSET, (short) fold(sum(seg, icmp, length, 0)));
    }

    public static boolean icmpv4Valid(MemorySegment seg, long icmp, int length) {
        return fold(sum(seg, icmp, length, 0)) == 0;
    }

    // ---------------------------------------------------------------- incremental update (RFC 1624)

    /** The checksum after a 16-bit word covered by it changed from {@code oldWord} to {@code newWord}. */
    public static int update16(int checksum, int oldWord, int newWord) {
        long s = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return finishUpdate(s);
    }

    /** The checksum after a 32-bit value (an IPv4 address, a sequence number) changed. */
    public static int update32(int checksum, int oldValue, int newValue) {
        long s = (~checksum & 0xFFFF)
                + (~(oldValue >>> 16) & 0xFFFF) + (~oldValue & 0xFFFF)
                + ((newValue >>> 16) & 0xFFFF) + (newValue & 0xFFFF);
        return finishUpdate(s);
    }

    /** The checksum after a 64-bit value (half an IPv6 address) changed. */
    public static int update64(int checksum, long oldValue, long newValue) {
        long s = ~checksum & 0xFFFF;
        for (int shift = 0; shift < 64; shift += 16) {
            s += (~(oldValue >>> shift) & 0xFFFF) + ((newValue >>> shift) & 0xFFFF);
        }
        return finishUpdate(s);
    }

    /**
     * Rewrites the checksum field at {@code at} after a covered 16-bit word changed. With
     * {@code udp}, a field of 0 ("no checksum" over IPv4) is left alone and a result of 0 is
     * stored as 0xFFFF.
     */
    public static void updateField16(MemorySegment seg, long at, boolean udp, int oldWord, int newWord) {
        int c = seg.get(SHORT_BE, at) & 0xFFFF;
        if (udp && c == 0) {
            return;
        }
        store(seg, at, udp, update16(c, oldWord, newWord));
    }

    /** As {@link #updateField16} for a covered 32-bit value. */
    public static void updateField32(MemorySegment seg, long at, boolean udp, int oldValue, int newValue) {
        int c = seg.get(SHORT_BE, at) & 0xFFFF;
        if (udp && c == 0) {
            return;
        }
        store(seg, at, udp, update32(c, oldValue, newValue));
    }

    /** As {@link #updateField16} for a covered 128-bit value given as two halves (an IPv6 address). */
    public static void updateField128(MemorySegment seg, long at, boolean udp,
                                      long oldHigh, long oldLow, long newHigh, long newLow) {
        int c = seg.get(SHORT_BE, at) & 0xFFFF;
        if (udp && c == 0) {
            return;
        }
        store(seg, at, udp, update64(update64(c, oldHigh, newHigh), oldLow, newLow));
    }

    private static void store(MemorySegment seg, long at, boolean udp, int c) {
        seg.set(SHORT_BE, at, (short) (udp && c == 0 ? 0xFFFF : c));
    }

    private static int finishUpdate(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        if (s == 0) {
            s = 0xFFFF; // the same one's-complement value; a full computation never folds to 0
        }
        return (int) (~s & 0xFFFF);
    }
}
