package dev.sluice.pipeline.fwd;

import dev.sluice.drivers.Port;
import dev.sluice.proto.HeaderSwaps;
import dev.sluice.umem.PacketBatch;


/**
 * One burst of a forwarding loop: receive a batch from a port, apply the mode, send or give the
 * frames back. Small on purpose (C2 compiles and keeps it; a 1.3 KB loop method was measured being
 * deoptimised for 1.5 s when a cold branch fired) and identical for warm-up and traffic.
 */
public final class ForwardLoop {

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
                    runts += HeaderSwaps.swapMacs(b);
                }
                p.transmit(b);
            }
            case FIVETUPLESWAP -> {
                if (n > 0) {
                    runts += HeaderSwaps.swapMacs(b);
                    HeaderSwaps.swapFiveTuples(b);
                }
                p.transmit(b);
            }
        }
        return n;
    }

    /** Frames too short to carry two MAC addresses, seen in macswap mode. */
    public long runts() {
        return runts;
    }

    public Port port() {
        return port;
    }
}
