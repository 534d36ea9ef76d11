package dev.sluice.pipeline.fwd;

import dev.sluice.drivers.Port;
import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One burst of a forwarding loop: receive a batch from a port, apply the mode, send or give the
 * frames back. Small on purpose (C2 compiles and keeps it; a 1.3 KB loop method was measured being
 * deoptimised for 1.5 s when a cold branch fired) and identical for warm-up and traffic.
 */
public final class ForwardLoop {
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Frames shorter than two MAC addresses are forwarded untouched (and counted). */
    private static final int MAC_PAIR = 12;

    private final Port port;
    private final PacketBatch batch;
    private final ForwardMode mode;
    private long runts;

    public ForwardLoop(Port port, ForwardMode mode, int burst) {
        this.port = port;
        this.mode = mode;
        this.batch = port.newBatch(burst);
    }

    /** Runs one burst; returns packets received (0 when idle). */
    public int doWork() {
        Port p = port;
        PacketBatch b = batch;
        int n = p.receive(b);
        switch (mode) {
            case RXONLY -> {
                if (n > 0) {
                    p.release(b);
                }
            }
            case IO -> p.transmit(b);
            case MACSWAP -> {
                if (n > 0) {
                    swapMacs(b);
                }
                p.transmit(b);
            }
            case FIVETUPLESWAP -> {
                if (n > 0) {
                    swapMacs(b);
                    swapFiveTuples(b);
                }
                p.transmit(b);
            }
        }
        return n;
    }

    private void swapMacs(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
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
    }

    /**
     * Swaps IP addresses and TCP/UDP ports in place (untagged Ethernet; IPv6 without extension
     * headers). Frames too short for what their headers claim are left alone, never read past.
     */
    private static void swapFiveTuples(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
        for (int i = 0; i < n; i++) {
            long at = b.address(i);
            int len = b.length(i);
            if (len < 34) {
                continue;
            }
            int type = seg.get(SHORT_BE, at + 12) & 0xFFFF;
            if (type == 0x0800) {
                int ihl = (seg.get(ValueLayout.JAVA_BYTE, at + 14) & 0x0F) * 4;
                swapInts(seg, at + 26, at + 30);
                int proto = seg.get(ValueLayout.JAVA_BYTE, at + 23);
                boolean firstFragment = (seg.get(SHORT_BE, at + 20) & 0x1FFF) == 0;
                if ((proto == 6 || proto == 17) && firstFragment && ihl >= 20 && len >= 14 + ihl + 4) {
                    swapShorts(seg, at + 14 + ihl, at + 14 + ihl + 2);
                }
            } else if (type == 0x86DD && len >= 54) {
                swapLongs(seg, at + 22, at + 38);
                swapLongs(seg, at + 30, at + 46);
                int next = seg.get(ValueLayout.JAVA_BYTE, at + 20);
                if ((next == 6 || next == 17) && len >= 58) {
                    swapShorts(seg, at + 54, at + 56);
                }
            }
        }
    }

    private static void swapInts(MemorySegment seg, long a, long c) {
        int x = seg.get(INT_BE, a);
        seg.set(INT_BE, a, seg.get(INT_BE, c));
        seg.set(INT_BE, c, x);
    }

    private static void swapShorts(MemorySegment seg, long a, long c) {
        short x = seg.get(SHORT_BE, a);
        seg.set(SHORT_BE, a, seg.get(SHORT_BE, c));
        seg.set(SHORT_BE, c, x);
    }

    private static void swapLongs(MemorySegment seg, long a, long c) {
        long x = seg.get(LONG_BE, a);
        seg.set(LONG_BE, a, seg.get(LONG_BE, c));
        seg.set(LONG_BE, c, x);
    }

    /** Frames too short to carry two MAC addresses, seen in macswap mode. */
    public long runts() {
        return runts;
    }

    public Port port() {
        return port;
    }
}
