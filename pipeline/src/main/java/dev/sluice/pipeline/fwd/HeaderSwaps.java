package dev.sluice.pipeline.fwd;

import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * In-place header swaps of testpmd's macswap and 5tswap modes, over a whole batch. Checksums stay
 * valid: a ones'-complement sum does not depend on the order of its terms. Frames too short for a
 * header are left alone and never read past their length. One place for both the forwarding loop
 * and the pipeline's forward handler.
 */
public final class HeaderSwaps {
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MAC_PAIR = 12;

    private HeaderSwaps() {
    }

    /** Swaps source and destination MAC of every packet; returns the frames too short for it. */
    public static int swapMacs(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
        int runts = 0;
        for (int i = 0; i < n; i++) {
            if (b.length(i) < MAC_PAIR) {
                runts++;
                continue;
            }
            long at = b.address(i);
            // a = d0 d1 d2 d3 d4 d5 s0 s1, c = s2 s3 s4 s5 → s0..s5 d0..d5
            long a = seg.get(LONG_BE, at);
            int c = seg.get(INT_BE, at + 8);
            seg.set(LONG_BE, at, (a << 48) | ((c & 0xFFFF_FFFFL) << 16) | (a >>> 48));
            seg.set(INT_BE, at + 8, (int) (a >>> 16));
        }
        return runts;
    }

    /** Swaps IPv4/IPv6 addresses and TCP/UDP ports (one optional 802.1Q tag; no IPv6 extension headers). */
    public static void swapFiveTuples(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
        for (int i = 0; i < n; i++) {
            swapFiveTuple(seg, b.address(i), b.length(i));
        }
    }

    private static void swapFiveTuple(MemorySegment s, long at, int len) {
        if (len < 14) {
            return;
        }
        int l3 = 14;
        int type = s.get(SHORT_BE, at + 12) & 0xffff;
        if (type == 0x8100 && len >= 18) {
            type = s.get(SHORT_BE, at + 16) & 0xffff;
            l3 = 18;
        }
        int l4;
        int protocol;
        if (type == 0x0800 && len >= l3 + 20) {
            long p = at + l3;
            int src = s.get(INT_BE, p + 12);
            s.set(INT_BE, p + 12, s.get(INT_BE, p + 16));
            s.set(INT_BE, p + 16, src);
            protocol = s.get(ValueLayout.JAVA_BYTE, p + 9) & 0xff;
            boolean laterFragment = (s.get(SHORT_BE, p + 6) & 0x1fff) != 0;
            l4 = laterFragment ? -1 : l3 + (s.get(ValueLayout.JAVA_BYTE, p) & 0x0f) * 4;
        } else if (type == 0x86dd && len >= l3 + 40) {
            long p = at + l3;
            for (int k = 0; k < 16; k += 8) {
                long src = s.get(LONG_BE, p + 8 + k);
                s.set(LONG_BE, p + 8 + k, s.get(LONG_BE, p + 24 + k));
                s.set(LONG_BE, p + 24 + k, src);
            }
            protocol = s.get(ValueLayout.JAVA_BYTE, p + 6) & 0xff;
            l4 = l3 + 40;
        } else {
            return;
        }
        if (l4 > 0 && (protocol == 6 || protocol == 17) && len >= l4 + 4) {
            short sp = s.get(SHORT_BE, at + l4);
            s.set(SHORT_BE, at + l4, s.get(SHORT_BE, at + l4 + 2));
            s.set(SHORT_BE, at + l4 + 2, sp);
        }
    }
}
