package dev.sluice.benchmarks.pipeline;

import dev.sluice.drivers.Port;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.proto.HeaderSwaps;
import dev.sluice.umem.PacketBatch;

/**
 * The baseline the pipeline is measured against: the smallest forwarding loop there is, one port,
 * one batch, no runtime. Receive a burst, apply the mode, send it back out (rxonly: give the frames
 * back). Benchmarks run it where {@code sluice fwd} runs a one-worker pipeline, to show what the
 * pipeline costs, and to measure a port's own cost with nothing else around it.
 */
public final class PlainForwardLoop {
    private final Port port;
    private final PacketBatch batch;
    private final ForwardMode mode;

    public PlainForwardLoop(Port port, ForwardMode mode, int burst) {
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
                    HeaderSwaps.swapMacs(b);
                }
                p.transmit(b);
            }
            case FIVETUPLESWAP -> {
                if (n > 0) {
                    HeaderSwaps.swapMacs(b);
                    HeaderSwaps.swapFiveTuples(b);
                }
                p.transmit(b);
            }
        }
        return n;
    }
}
