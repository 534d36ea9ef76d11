package dev.sluice.pipeline.handlers;

import dev.sluice.pipeline.fwd.ForwardMode;
import dev.sluice.pipeline.runtime.PacketHandler;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * DPDK testpmd's forwarding modes as a {@link PacketHandler}, so that {@code sluice fwd} can run on the
 * pipeline runtime: {@code rxonly} drops, {@code io} sends back unchanged, {@code macswap} swaps the
 * Ethernet addresses, {@code 5tswap} also swaps IPv4/IPv6 addresses and TCP/UDP ports (checksums stay
 * valid: the ones'-complement sum does not depend on the order of its terms). Packets go out on
 * {@code outPort[receivedOn]} (default: the port they came in on).
 */
public final class ForwardHandler implements PacketHandler {
    /** Forwarding modes; the first three match {@link ForwardMode}. */
    public enum Mode { RXONLY, IO, MACSWAP, FIVE_TUPLE_SWAP;

        public static Mode of(ForwardMode m) {
            return switch (m) {
                case RXONLY -> RXONLY;
                case IO -> IO;
                case MACSWAP -> MACSWAP;
            };
        }

        public static Mode parse(String s) {
            return switch (s.toLowerCase()) {
                case "rxonly" -> RXONLY;
                case "io" -> IO;
                case "macswap" -> MACSWAP;
                case "5tswap" -> FIVE_TUPLE_SWAP;
                default -> throw new IllegalArgumentException("unknown forward mode '" + s + "' (rxonly, io, macswap, 5tswap)");
            };
        }
    }

    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MAC_PAIR = 12;

    private final Mode mode;
    private final int[] outPort;
    private long runts;

    public ForwardHandler(Mode mode) {
        this(mode, null);
    }

    /** @param outPort port to send on by receiving port (null: back out the receiving port) */
    public ForwardHandler(Mode mode, int[] outPort) {
        this.mode = mode;
        this.outPort = outPort == null ? null : outPort.clone();
    }

    @Override
    public void onBurst(PacketBatch batch, Verdicts verdicts) {
        switch (mode) {
            case RXONLY -> verdicts.dropAll();
            case IO -> route(verdicts);
            case MACSWAP -> {
                swapMacs(batch);
                route(verdicts);
            }
            case FIVE_TUPLE_SWAP -> {
                swapMacs(batch);
                swapTuples(batch);
                route(verdicts);
            }
        }
    }

    private void route(Verdicts v) {
        if (outPort == null) {
            v.transmitEachBack();
            return;
        }
        int n = v.count();
        for (int i = 0; i < n; i++) {
            v.transmit(i, outPort[v.receivedOn(i)]);
        }
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
            long a = seg.get(LONG_BE, at);
            int c = seg.get(INT_BE, at + 8);
            seg.set(LONG_BE, at, (a << 48) | ((c & 0xFFFF_FFFFL) << 16) | (a >>> 48));
            seg.set(INT_BE, at + 8, (int) (a >>> 16));
        }
    }

    private static void swapTuples(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
        for (int i = 0; i < n; i++) {
            swapTuple(seg, b.address(i), b.length(i));
        }
    }

    private static void swapTuple(MemorySegment s, long at, int len) {
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
            boolean fragment = (s.get(SHORT_BE, p + 6) & 0x1fff) != 0;
            l4 = fragment ? -1 : l3 + (s.get(ValueLayout.JAVA_BYTE, p) & 0x0f) * 4;
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

    /** Frames too short for two MAC addresses (forwarded untouched). */
    public long runts() {
        return runts;
    }
}
