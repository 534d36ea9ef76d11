package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.Port;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.counters.CountersFile;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.pipeline.runtime.WarmUp;
import dev.sluice.umem.UmemConfig;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What {@code sluice fwd} and {@code sluice demo} share: open the ports of the chosen driver, warm
 * the pipeline up, let traffic in, forward on the pipeline's pinned workers (a {@link ForwardHandler}
 * each) while printing one line per second, and finish with the summary line, on time, on Ctrl-C,
 * when told to stop or when a finite input is used up. With a counters file, the ports' and the
 * workers' counters live in it, and once a second the kernel's socket statistics are copied into it
 * and its heartbeat is updated.
 */
final class ForwardSession {
    /** The drivers {@code fwd} can run on. */
    enum Driver { AFXDP, AFPACKET, PCAP, MEMORY }

    /**
     * @param workers forwarding threads; more than the driver has ports (queues) spreads each
     *                port's packets over several workers by a symmetric Toeplitz flow hash; 0 = one
     *                per port
     * @param idle    the workers' idle strategy (a name {@code IdleStrategies.byName} knows)
     */
    record Settings(Driver driver, String iface, int[] queues, ForwardMode mode, AfXdpOptions options, UmemConfig umem,
                    int burst, int[] cpus, long warmUpMillis, String netns, String pcapIn, String pcapOut, int workers,
                    String idle) {
        /** AF_XDP settings (what {@code sluice demo} uses), workers spinning. */
        Settings(String iface, int[] queues, ForwardMode mode, AfXdpOptions options, UmemConfig umem, int burst,
                 int[] cpus, long warmUpMillis, String netns) {
            this(Driver.AFXDP, iface, queues, mode, options, umem, burst, cpus, warmUpMillis, netns, null, null, 0, DEFAULT_IDLE);
        }
    }

    /** The workers' idle strategy unless {@code --idle} says otherwise: a forwarder is given CPUs of its own. */
    static final String DEFAULT_IDLE = "spin";

    private final Settings settings;
    private final PrintStream out;
    private final CountersFile counters;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    /** Set when {@link #run} begins; with {@link #stopRequested} it tells a stop hook whether to wait. */
    private volatile boolean started;
    private volatile String inputProblem;

    ForwardSession(Settings settings, PrintStream out) {
        this(settings, out, null);
    }

    /** @param counters where the counters live, for {@code sluice stat} to read (null: in memory only) */
    ForwardSession(Settings settings, PrintStream out, CountersFile counters) {
        this.settings = settings;
        this.out = out;
        this.counters = counters;
    }

    void requestStop() {
        stopRequested = true;
    }

    /**
     * Lets a shutdown hook (Ctrl-C) wait until the summary has been printed; call after
     * {@link #requestStop()}. A session that never started (setup failed before it, e.g. the
     * metrics port was taken) has nothing to wait for: it returns at once, and {@link #run} will
     * not start anymore.
     */
    boolean awaitFinished(long millis) throws InterruptedException {
        // Volatile write of stopRequested (requestStop) before this read; run() writes started
        // before it reads stopRequested: at least one of the two sees the other.
        if (!started) {
            return true;
        }
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs until {@code seconds} have passed (0: until stopped), {@code until} says stop, or
     * {@link #requestStop()}. Returns the summary fields.
     */
    Map<String, String> run(double seconds, BooleanSupplier until) {
        started = true;
        try {
            if (stopRequested) {
                return Map.of(); // stopped before it began: a hook is not waiting for it
            }
            return runInner(seconds, until);
        } finally {
            finished.countDown();
        }
    }

    private FwdPorts open(CounterAllocator allocator) {
        Settings s = settings;
        return switch (s.driver()) {
            case AFXDP -> new AfXdpFwdPorts(s.iface(), s.queues(), s.umem(), s.options(), allocator, s.netns());
            case AFPACKET -> new AfPacketFwdPorts(s.iface(), s.netns(), allocator);
            case MEMORY -> new SimulatedFwdPorts(s.burst(), s.options().framesInFlight(), s.options().ringSize(), allocator);
            case PCAP -> new PcapFwdPorts(s.pcapIn(), s.pcapOut(), s.umem(), allocator);
        };
    }

    private Map<String, String> runInner(double seconds, BooleanSupplier until) {
        CounterAllocator allocator = counters == null ? CounterAllocator.inMemory() : counters;
        try (FwdPorts ports = open(allocator)) {
            List<? extends Port> list = ports.workerPorts();
            int n = settings.workers() <= 0 ? list.size() : settings.workers();
            long warmed = settings.warmUpMillis() > 0 && ports.warmsUpOnSimulator()
                    ? WarmUp.overSimulatedKernel(simulated -> forwarding(List.of(simulated), n > list.size() ? n : 1,
                            new CopyOnWriteArrayList<>()), settings.burst(), settings.warmUpMillis()) : 0;
            try (Workers workers = startWorkers(list, n, allocator)) {
                ports.attach();
                out.printf("fwd %s mode %s: %s, burst %d, %s%s%s%n",
                        settings.driver() == Driver.PCAP ? settings.pcapIn()
                                : settings.driver() == Driver.MEMORY ? "memory" : settings.iface() + " queues " + Arrays.toString(settings.queues()),
                        settings.mode().label(), ports.describe(), settings.burst(), workers.describe() + ", idle " + settings.idle(),
                        settings.driver() == Driver.AFXDP ? ", " + settings.options().framesInFlight() + " frames in flight per queue" : "",
                        warmed > 0 ? ", warmed up on " + warmed + " simulated packets" : "");
                Map<String, String> summary = LiveReporter.run(now -> {
                            heartbeat();
                            return ports.sample(now);
                        }, seconds, () -> stopRequested || until.getAsBoolean() || ports.inputDone(),
                        () -> {
                            workers.close();
                            ports.drainTx(500);
                        }, out);
                summary.put("mode", settings.mode().label());
                ports.summarize(summary);
                summary.put("workers", "" + workers.count());
                inputProblem = ports.inputProblem();
                long runts = workers.runts();
                if (runts > 0) {
                    summary.put("runts", "" + runts);
                }
                out.println(RateReport.line(summary));
                out.flush();
                return summary;
            }
        }
    }

    /** The forwarding workers: a pipeline with one forward handler per worker. */
    private record Workers(Pipeline pipeline, List<ForwardHandler> handlers, boolean hashing) implements AutoCloseable {
        int count() {
            return pipeline.workerCount();
        }

        long runts() {
            return handlers.stream().mapToLong(ForwardHandler::runts).sum();
        }

        String describe() {
            int n = count();
            return n + " worker" + (n == 1 ? "" : "s") + (hashing ? " (symmetric Toeplitz flow hash)" : "");
        }

        @Override
        public void close() {
            pipeline.close();
        }
    }

    /**
     * The pipeline {@code fwd} runs, not started: {@code workers} workers over {@code ports}, spreading
     * flows by a symmetric Toeplitz hash when there are more workers than ports. Its handlers are
     * collected in {@code handlers}.
     */
    private Pipeline.Builder forwarding(List<? extends Port> ports, int workers, List<ForwardHandler> handlers) {
        ForwardMode mode = settings.mode();
        Pipeline.Builder builder = Pipeline.builder().ports(ports).workers(workers).burst(settings.burst()).idle(settings.idle())
                .handler(() -> {
                    ForwardHandler h = new ForwardHandler(mode);
                    handlers.add(h);
                    return h;
                });
        if (workers > ports.size()) {
            builder.hashing(Toeplitz.symmetric());
        }
        return builder;
    }

    private Workers startWorkers(List<? extends Port> ports, int workers, CounterAllocator allocator) {
        List<ForwardHandler> handlers = new CopyOnWriteArrayList<>();
        Pipeline.Builder builder = forwarding(ports, workers, handlers).counters(allocator)
                .errorLog(message -> System.err.println("sluice: internal error: " + message));
        if (settings.cpus() != null) {
            builder.cpus(settings.cpus());
        }
        Pipeline pipeline = builder.start();
        pipeline.keepOtherThreadsOffWorkerCpus();
        return new Workers(pipeline, handlers, workers > ports.size());
    }

    /** What went wrong with a finite input (a damaged capture) in the last run, or null. */
    String inputProblem() {
        return inputProblem;
    }

    private void heartbeat() {
        if (counters != null) {
            counters.heartbeat();
        }
    }
}
