package dev.sluice.pipeline.gen;

import dev.sluice.drivers.Port;
import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;

/**
 * One burst of a traffic generator: take free frames (already holding the template), stamp the
 * flow of each, transmit. Paced by a packet budget the caller hands in (a token bucket it refills
 * from the clock every few bursts), so the hot loop reads no clock itself.
 */
public final class TxGenerator {
    private final Port port;
    private final PacketBatch batch;
    private final UdpTemplate template;
    private final int flows;
    private final int burst;
    private int nextFlow;

    public TxGenerator(Port port, UdpTemplate template, int flows, int burst) {
        if (flows < 1 || flows > template.flowCapacity()) {
            // More would wrap the source port past 65535 to 0 and repeat flows.
            throw new IllegalArgumentException("flows must be in 1.." + template.flowCapacity() + " (source ports up to "
                    + UdpTemplate.MAX_PORT + "), not " + flows);
        }
        this.port = port;
        this.template = template;
        this.flows = flows;
        this.burst = burst;
        this.batch = port.newBatch(burst);
    }

    /** Sends up to {@code min(burst, budget)} packets; returns how many went into the TX ring. */
    public int doWork(long budget) {
        PacketBatch b = batch;
        int want = (int) Math.min(burst, budget);
        int n = port.allocate(b, want, template.length());
        if (n == 0) {
            port.transmit(b); // nothing free: reclaim completions and kick
            return 0;
        }
        if (flows > 1) {
            stampFlows(b, n);
        }
        return port.transmit(b);
    }

    private void stampFlows(PacketBatch b, int n) {
        MemorySegment seg = b.umem();
        int flow = nextFlow;
        for (int i = 0; i < n; i++) {
            template.setFlow(seg, b.address(i), flow);
            flow = flow + 1 == flows ? 0 : flow + 1;
        }
        nextFlow = flow;
    }
}
