package dev.sluice.benchmarks.pipeline;

import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.pipeline.gen.UdpTemplate;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.MemorySegment;

/**
 * The traffic of the pipeline benchmarks: the outer ends of memory-port pairs, whose inner ends a
 * pipeline (or a plain loop) forwards back. Each {@link #turn()} takes what came back on every pair,
 * sends it in again and tops up to {@code window} packets in flight with fresh frames, each packet
 * stamped with the next of {@value #FLOWS} flows (source port 1024 + flow, UDP checksum updated), so
 * that every burst carries an even mix of flows.
 *
 * <p>Every UMEM frame holds a 64-byte (60 + FCS) Ethernet/IPv4/UDP packet written once, by
 * {@link #writeFrames}; a turn only stamps flows. The window stays below every ring's capacity, so
 * no ring overflows and nothing is dropped on purpose.
 */
final class Wire {
    /** Frame length without FCS: 64 bytes on the wire. */
    static final int LENGTH = 60;
    static final int FLOWS = 1024;

    private final MemorySegment frames;
    private final UdpTemplate template;
    private final MemoryPort[] ports;
    private final PacketBatch[] batches;
    private final int[] inFlight;
    private final int window;
    private int flow;

    /**
     * @param umem   frame memory whose frames {@link #writeFrames} has written
     * @param ports  the outer end of each pair
     * @param burst  packets per turn and pair at most
     * @param window packets in flight per pair at most
     */
    Wire(Umem umem, MemoryPort[] ports, int burst, int window) {
        this.frames = umem.segment();
        this.template = template();
        this.ports = ports.clone();
        this.batches = new PacketBatch[ports.length];
        for (int i = 0; i < ports.length; i++) {
            batches[i] = ports[i].newBatch(burst);
        }
        this.inFlight = new int[ports.length];
        this.window = window;
    }

    /** Writes the UDP packet into every frame of {@code umem}, where a port's allocate places packet data. */
    static void writeFrames(Umem umem) {
        UdpTemplate t = template();
        MemorySegment s = umem.segment();
        long dataOffset = UmemConfig.KERNEL_HEADROOM + umem.headroom();
        for (int i = 0; i < umem.frameCount(); i++) {
            t.writeTo(s, (long) i * umem.frameSize() + dataOffset);
        }
    }

    private static UdpTemplate template() {
        return new UdpTemplate(new byte[] {2, 0, 0, 0, 0, 1}, new byte[] {2, 0, 0, 0, 0, 2},
                0x0a00_0001, 0x0a00_0002, 1024, 9, LENGTH);
    }

    /** One turn on every pair; returns the packets that came back. */
    int turn() {
        final MemoryPort[] w = ports;
        int got = 0;
        for (int i = 0; i < w.length; i++) {
            MemoryPort port = w[i];
            PacketBatch b = batches[i];
            int n = port.receive(b);
            got += n;
            int flying = inFlight[i] - n;
            int topUp = Math.min(b.remaining(), window - flying - n);
            if (topUp > 0) {
                port.allocate(b, topUp, LENGTH);
            }
            int k = b.count();
            if (k > 0) {
                int f = flow;
                for (int j = 0; j < k; j++) {
                    template.setFlow(frames, b.address(j), f++ & (FLOWS - 1));
                }
                flow = f;
                flying += port.transmit(b);
            }
            inFlight[i] = flying;
        }
        return got;
    }
}
