package dev.sluice.drivers.memory;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afxdp.FrameCounts;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

/**
 * A port over a real {@link AfXdpQueue} whose kernel side is played by {@link XskKernelSimulator}: the
 * user-space AF_XDP data path (FILL, RX, TX, COMPLETION rings, the queue's frame accounting) without a
 * NIC or privileges. Every {@link #receive} first lets the simulated kernel take a turn on the same
 * thread: complete whatever TX holds and deliver up to {@code batch.remaining()} template packets from
 * FILL to RX, until the optional packet budget is spent. So a pipeline can be run, warmed up or
 * measured over the exact AF_XDP user-space code.
 */
public final class SimulatedXskPort implements Port {
    private final XskKernelSimulator sim;
    private final AfXdpQueue queue;
    private final String name;
    private long budget = Long.MAX_VALUE;

    /**
     * @param template the packet every delivery carries
     * @param trackFrames record frame hand-overs ({@link #ownership()})
     */
    public SimulatedXskPort(String name, UmemConfig config, int ringSize, int framesInFlight, byte[] template,
                            boolean trackFrames) {
        this.sim = new XskKernelSimulator(config, ringSize, framesInFlight, template, false, trackFrames);
        this.queue = sim.queue();
        this.name = name;
    }

    /** Delivers at most {@code packets} more packets in total (then the "wire" goes quiet). */
    public SimulatedXskPort limit(long packets) {
        this.budget = packets;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PacketBatch newBatch(int capacity) {
        return queue.newBatch(capacity);
    }

    @Override
    public int receive(PacketBatch batch) {
        sim.completeTx();
        long b = budget;
        if (b > 0) {
            int n = sim.deliver((int) Math.min(b, batch.remaining()));
            budget = b - n;
        }
        return queue.receive(batch);
    }

    @Override
    public int transmit(PacketBatch batch) {
        return queue.transmit(batch);
    }

    @Override
    public int allocate(PacketBatch batch, int count, int length) {
        return queue.allocate(batch, count, length);
    }

    @Override
    public void release(PacketBatch batch) {
        queue.release(batch);
    }

    @Override
    public PortCounters counters() {
        return queue.counters();
    }

    /** Packets the simulated kernel delivered to RX so far. */
    public long delivered() {
        return sim.delivered();
    }

    /** Completes everything on TX and takes the completions back (off the data path). */
    public void settle() {
        sim.completeTx();
        queue.drainTx(100);
    }

    /** Where every frame of the UMEM is: the shared pool, FILL, the application, TX. */
    public FrameCounts frameCounts() {
        return sim.frameCounts();
    }

    /** Ownership record when tracking (null otherwise); the queue records into it. */
    public FrameOwnership ownership() {
        return queue.ownership();
    }

    public Umem umem() {
        return sim.umem();
    }

    @Override
    public void close() {
        sim.close();
    }
}
