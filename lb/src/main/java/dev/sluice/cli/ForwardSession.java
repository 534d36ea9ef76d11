package dev.sluice.cli;

import dev.sluice.drivers.CounterAllocator;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.pipeline.counters.CountersFile;
import dev.sluice.pipeline.fwd.ForwardMode;
import dev.sluice.pipeline.fwd.Forwarder;
import dev.sluice.umem.UmemConfig;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What {@code sluice fwd} and {@code sluice demo} share: open the ports of the chosen driver, warm
 * the loop up, let traffic in, forward on pinned threads while printing one line per second, and
 * finish with the summary line, on time, on Ctrl-C, when told to stop or when a finite input is
 * used up. With a counters file, the ports' and the workers' counters live in it, and once a
 * second the kernel's socket statistics are copied into it and its heartbeat is updated.
 */
final class ForwardSession {
    /** The drivers {@code fwd} can run on. */
    enum Driver { AFXDP, AFPACKET, PCAP, MEMORY }

    record Settings(Driver driver, String iface, int[] queues, ForwardMode mode, AfXdpOptions options, UmemConfig umem,
                    int burst, int[] cpus, long warmUpMillis, String netns, String pcapIn, String pcapOut) {
        /** AF_XDP settings (what {@code sluice demo} uses). */
        Settings(String iface, int[] queues, ForwardMode mode, AfXdpOptions options, UmemConfig umem, int burst,
                 int[] cpus, long warmUpMillis, String netns) {
            this(Driver.AFXDP, iface, queues, mode, options, umem, burst, cpus, warmUpMillis, netns, null, null);
        }
    }

    private final Settings settings;
    private final PrintStream out;
    private final CountersFile counters;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
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

    /** Lets a shutdown hook (Ctrl-C) wait until the summary has been printed. */
    boolean awaitFinished(long millis) throws InterruptedException {
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs until {@code seconds} have passed (0: until stopped), {@code until} says stop, or
     * {@link #requestStop()}. Returns the summary fields.
     */
    Map<String, String> run(double seconds, BooleanSupplier until) {
        try {
            return runInner(seconds, until);
        } finally {
            finished.countDown();
        }
    }

    private FwdPorts open(CounterAllocator allocator) {
        Settings s = settings;
        return switch (s.driver()) {
            case AFXDP -> new AfXdpFwdPorts(s.iface(), s.queues(), s.umem(), s.options(), allocator, s.netns());
            case AFPACKET -> new AfPacketFwdPorts(s.iface(), s.netns());
            case MEMORY -> new SimulatedFwdPorts(s.burst(), s.options().framesInFlight(), s.options().ringSize());
            case PCAP -> new PcapFwdPorts(s.pcapIn(), s.pcapOut(), s.umem());
        };
    }

    private Map<String, String> runInner(double seconds, BooleanSupplier until) {
        CounterAllocator allocator = counters == null ? CounterAllocator.inMemory() : counters;
        try (FwdPorts ports = open(allocator)) {
            long warmed = settings.warmUpMillis() > 0 && ports.warmsUpOnSimulator()
                    ? Forwarder.warmUp(settings.mode(), settings.burst(), settings.warmUpMillis()) : 0;
            try (Forwarder forwarder = new Forwarder(ports.workerPorts(), settings.mode(), settings.burst(), settings.cpus(),
                    allocator)) {
                forwarder.start();
                ports.attach();
                out.printf("fwd %s mode %s: %s, burst %d%s%s%n",
                        settings.driver() == Driver.PCAP ? settings.pcapIn()
                                : settings.driver() == Driver.MEMORY ? "memory" : settings.iface() + " queues " + Arrays.toString(settings.queues()),
                        settings.mode().label(), ports.describe(), settings.burst(),
                        settings.driver() == Driver.AFXDP ? ", " + settings.options().framesInFlight() + " frames in flight per queue" : "",
                        warmed > 0 ? ", warmed up on " + warmed + " simulated packets" : "");
                Map<String, String> summary = LiveReporter.run(now -> {
                            heartbeat();
                            return ports.sample(now);
                        }, seconds, () -> stopRequested || until.getAsBoolean() || ports.inputDone(),
                        () -> {
                            forwarder.stop();
                            ports.drainTx(500);
                        }, out);
                summary.put("mode", settings.mode().label());
                ports.summarize(summary);
                inputProblem = ports.inputProblem();
                long runts = forwarder.loops().stream().mapToLong(l -> l.runts()).sum();
                if (runts > 0) {
                    summary.put("runts", "" + runts);
                }
                out.println(RateReport.line(summary));
                out.flush();
                return summary;
            }
        }
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
