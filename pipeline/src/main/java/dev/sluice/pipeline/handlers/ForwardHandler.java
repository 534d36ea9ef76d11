package dev.sluice.pipeline.handlers;

import dev.sluice.pipeline.fwd.ForwardMode;
import dev.sluice.proto.HeaderSwaps;
import dev.sluice.pipeline.runtime.PacketHandler;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;


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
                case FIVETUPLESWAP -> FIVE_TUPLE_SWAP;
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
                runts += HeaderSwaps.swapMacs(batch);
                route(verdicts);
            }
            case FIVE_TUPLE_SWAP -> {
                runts += HeaderSwaps.swapMacs(batch);
                HeaderSwaps.swapFiveTuples(batch);
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

    /** Frames too short for two MAC addresses (forwarded untouched). */
    public long runts() {
        return runts;
    }
}
