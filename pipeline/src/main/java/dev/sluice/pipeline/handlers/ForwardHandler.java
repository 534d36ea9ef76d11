package dev.sluice.pipeline.handlers;

import dev.sluice.proto.HeaderSwaps;
import dev.sluice.pipeline.runtime.PacketHandler;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;

/**
 * DPDK testpmd's forwarding modes ({@link ForwardMode}) as a {@link PacketHandler}, the handler
 * {@code sluice fwd} and {@code sluice demo} run on the pipeline, whatever the worker count:
 * {@code rxonly} drops, {@code io} sends back unchanged, {@code macswap} swaps the Ethernet addresses,
 * {@code 5tswap} also swaps IPv4/IPv6 addresses and TCP/UDP ports (checksums stay valid: the
 * ones'-complement sum does not depend on the order of its terms). Packets go out on
 * {@code outPort[receivedOn]} (default: the port they came in on).
 */
public final class ForwardHandler implements PacketHandler {
    private final ForwardMode mode;
    private final int[] outPort;
    private long runts;

    public ForwardHandler(ForwardMode mode) {
        this(mode, null);
    }

    /** @param outPort port to send on by receiving port (null: back out the receiving port) */
    public ForwardHandler(ForwardMode mode, int[] outPort) {
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
            case FIVETUPLESWAP -> {
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
