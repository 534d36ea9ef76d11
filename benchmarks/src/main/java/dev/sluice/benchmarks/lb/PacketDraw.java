package dev.sluice.benchmarks.lb;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * What {@link LbHandlerBenchmark} and {@link LbFloorBenchmark} share per JMH thread, so that they
 * measure the same traffic the same way: which flow each packet belongs to (uniform over
 * {@code flows}, a 64-bit LCG with a fixed seed), how many packets the thread stamped, and the
 * thread's CPU time per packet over an iteration (on a shared machine the JMH score counts the time
 * other processes held the CPU too, the thread's CPU time does not; cache lines they evicted still
 * count).
 */
final class PacketDraw {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final int flows;
    private long rng = 0x9E37_79B9_7F4A_7C15L;
    private long packets;
    private long iterationPackets;
    private long iterationCpuNanos;

    PacketDraw(int flows) {
        this.flows = flows;
    }

    /** The next packet's flow number, uniform in [0, flows); counts the packet. */
    int nextFlow() {
        long x = rng * 6364136223846793005L + 1442695040888963407L;
        rng = x;
        packets++;
        return (int) (((x >>> 32) * flows) >>> 32);
    }

    /** Packets drawn so far. */
    long packets() {
        return packets;
    }

    /** At an iteration's start (on the JMH thread). */
    void startIteration() {
        iterationPackets = packets;
        iterationCpuNanos = THREADS.getCurrentThreadCpuTime();
    }

    /** At its end: prints {@code [cpu] <label>: N ns of thread CPU time per packet over M packets}. */
    void endIteration(String label) {
        long cpu = THREADS.getCurrentThreadCpuTime() - iterationCpuNanos;
        long n = packets - iterationPackets;
        System.out.printf("[cpu] %s %s: %.2f ns of thread CPU time per packet over %d packets%n",
                Thread.currentThread().getName(), label, cpu / (double) Math.max(1, n), n);
    }
}
