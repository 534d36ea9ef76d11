package dev.sluice.pipeline.proto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over packet bytes in place, and the pieces built on it: IPv4
 * header checksum and the TCP/UDP checksum over the IPv4 pseudo-header. No allocation.
 */
public final class Checksums {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

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

    /** Computes and stores the checksum of the IPv4 header at {@code ip}. */
    public static void setIpv4Header(MemorySegment seg, long ip) {
        int ihl = (seg.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
        seg.set(SHORT_BE, ip + 10, (short) 0);
        seg.set(SHORT_BE, ip + 10, (short) fold(sum(seg, ip, ihl, 0)));
    }

    /** True when the IPv4 header at {@code ip} carries a correct checksum. */
    public static boolean ipv4HeaderValid(MemorySegment seg, long ip) {
        int ihl = (seg.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
        return fold(sum(seg, ip, ihl, 0)) == 0;
    }

    /**
     * Computes and stores the UDP (protocol 17, checksum at +6) or TCP (6, at +16) checksum of the
     * segment at {@code l4} of {@code l4Length} bytes, over the IPv4 pseudo-header of {@code ip}.
     */
    public static void setL4OverIpv4(MemorySegment seg, long ip, long l4, int l4Length, int protocol) {
        long at = l4 + (protocol == 17 ? 6 : 16);
        seg.set(SHORT_BE, at, (short) 0);
        long s = pseudoHeaderIpv4(seg, ip, l4Length, protocol);
        int c = fold(sum(seg, l4, l4Length, s));
        if (protocol == 17 && c == 0) {
            c = 0xFFFF; // UDP: 0 means "no checksum"
        }
        seg.set(SHORT_BE, at, (short) c);
    }

    static long pseudoHeaderIpv4(MemorySegment seg, long ip, int l4Length, int protocol) {
        long s = seg.get(INT_BE, ip + 12) & 0xFFFF_FFFFL;
        s += seg.get(INT_BE, ip + 16) & 0xFFFF_FFFFL;
        return s + protocol + l4Length;
    }
}
