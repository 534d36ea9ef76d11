package dev.sluice.pipeline.fwd;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.Port;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.pipeline.runtime.WorkerCounters;
import dev.sluice.sys.LibC;
import dev.sluice.umem.UmemConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link ForwardLoop} per port (queue) on its own thread, pinned to a CPU when asked.
 * Only the polling thread is pinned, never the whole JVM: pinned JVM housekeeping threads were
 * measured preempting the poller. When CPUs are given, every other thread of the process is moved
 * off them ({@link CpuIsolation}): meant for the command line, where the process is the
 * forwarder; an embedding application that wants its threads left alone pins nothing here and
 * uses the pipeline runtime.
 */
public final class Forwarder implements AutoCloseable {
    /** Workers publish their poll counts every this many polls (a power of two). */
    private static final long PUBLISH_EVERY = 1024;

    private final List<ForwardLoop> loops = new ArrayList<>();
    private final List<WorkerCounters> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final int[] cpus;
    private final CountDownLatch started;
    private final java.util.Set<Long> pollerTids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private volatile Throwable failure;

    /**
     * @param cpus CPU for each port's thread, in order (shorter than ports: the rest unpinned;
     *             null or empty: none pinned)
     */
    public Forwarder(List<? extends Port> ports, ForwardMode mode, int burst, int[] cpus) {
        this(ports, mode, burst, cpus, CounterAllocator.inMemory());
    }

    /** As above, with each worker's counters (group "worker", worker=N: polls and busy time) from {@code counters}. */
    public Forwarder(List<? extends Port> ports, ForwardMode mode, int burst, int[] cpus, CounterAllocator counters) {
        for (Port p : ports) {
            workers.add(WorkerCounters.allocate(counters, loops.size()));
            loops.add(new ForwardLoop(p, mode, burst));
        }
        this.cpus = cpus == null ? new int[0] : cpus.clone();
        this.started = new CountDownLatch(ports.size());
    }

    /**
     * Compiles the forwarding loop before traffic arrives: runs the very same {@link ForwardLoop}
     * code over an {@link dev.sluice.drivers.afxdp.AfXdpQueue} whose kernel side is simulated in
     * memory, including idle polls, until C2 has had time to compile it. Without this an unwarmed
     * receiver dropped ~400k packets in its first seconds.
     */
    public static long warmUp(ForwardMode mode, int burst, long millis) {
        byte[] frame = new byte[64];
        for (int i = 0; i < 12; i++) {
            frame[i] = (byte) (i + 1);
        }
        frame[12] = 0x08;
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, frame, true, false)) {
            ForwardLoop loop = new ForwardLoop(sim.queue(), mode, burst);
            long deadline = System.nanoTime() + millis * 1_000_000L;
            long packets = 0;
            while (System.nanoTime() < deadline) {
                for (int k = 0; k < 1024; k++) {
                    if ((k & 3) != 3) {
                        sim.step(burst);
                    }
                    packets += loop.doWork();
                }
            }
            return packets;
        }
    }

    public void start() {
        running = true;
        for (int i = 0; i < loops.size(); i++) {
            ForwardLoop loop = loops.get(i);
            WorkerCounters counters = workers.get(i);
            int cpu = i < cpus.length ? cpus[i] : -1;
            Thread t = new Thread(() -> run(loop, counters, cpu), "sluice-fwd-" + loop.port().name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        try {
            started.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        if (cpus.length > 0) {
            CpuIsolation.keepOthersOff(cpus, pollerTids);
        }
    }

    private void run(ForwardLoop loop, WorkerCounters counters, int cpu) {
        try {
            pollerTids.add(LibC.gettid());
            if (cpu >= 0) {
                LibC.pinCurrentThread(cpu);
            }
        } catch (RuntimeException e) {
            failure = e;
            started.countDown();
            return;
        }
        started.countDown();
        long busy = 0;
        long idle = 0;
        long busyNanos = 0;
        // One clock read per poll, at its start; a poll that found work adds the time to the next
        // poll's start. Time between polls (the spin hint, or the thread off its CPU while idle)
        // stays out of busy time; an idle poll only spins, so the read costs it nothing that matters.
        long previousStart = System.nanoTime();
        boolean previousBusy = false;
        while (running) {
            long start = System.nanoTime();
            if (previousBusy) {
                busyNanos += start - previousStart;
            }
            int work = loop.doWork();
            previousStart = start;
            previousBusy = work != 0;
            if (work == 0) {
                idle++;
                Thread.onSpinWait();
            } else {
                busy++;
            }
            if (((busy + idle) & (PUBLISH_EVERY - 1)) == 0) {
                counters.publishPolls(busy, idle, busyNanos);
            }
        }
        counters.publishPolls(busy, idle, busyNanos);
    }

    /** Stops the threads and waits for them; the ports stay open (their owner closes them). */
    public void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
    }

    public List<ForwardLoop> loops() {
        return loops;
    }

    /** Each worker's poll counters, in the order of the ports. */
    public List<WorkerCounters> workers() {
        return workers;
    }

    @Override
    public void close() {
        stop();
    }
}
