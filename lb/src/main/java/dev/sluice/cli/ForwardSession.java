package dev.sluice.cli;

import dev.sluice.drivers.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpPort;
import dev.sluice.drivers.afxdp.XskQueue;
import dev.sluice.drivers.afxdp.XskStatistics;
import dev.sluice.drivers.afxdp.XskStatisticsCounters;
import dev.sluice.pipeline.counters.CountersFile;
import dev.sluice.pipeline.fwd.ForwardMode;
import dev.sluice.pipeline.fwd.Forwarder;
import dev.sluice.sys.NetNs;
import dev.sluice.umem.UmemConfig;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What {@code sluice fwd} and {@code sluice demo} share: open an AF_XDP port, warm the loop up,
 * attach, forward on pinned threads while printing one line per second, and finish with the
 * summary line, on time, on Ctrl-C or when told to stop. With a counters file, the port's and the
 * workers' counters live in it, and once a second the kernel's socket statistics are copied into it
 * and its heartbeat is updated.
 */
final class ForwardSession {
    record Settings(String iface, int[] queues, ForwardMode mode, AfXdpOptions options, UmemConfig umem, int burst,
                    int[] cpus, long warmUpMillis, String netns) {
    }

    private final Settings settings;
    private final PrintStream out;
    private final CountersFile counters;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;

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

    private Map<String, String> runInner(double seconds, BooleanSupplier until) {
        CounterAllocator allocator = counters == null ? CounterAllocator.inMemory() : counters;
        AfXdpPort port = open(allocator);
        try (port) {
            List<XskStatisticsCounters> kernel = new ArrayList<>();
            for (XskQueue q : port.queues()) {
                kernel.add(XskStatisticsCounters.allocate(allocator, q));
            }
            long warmed = settings.warmUpMillis() > 0
                    ? Forwarder.warmUp(settings.mode(), settings.burst(), settings.warmUpMillis()) : 0;
            try (Forwarder forwarder = new Forwarder(port.queues(), settings.mode(), settings.burst(), settings.cpus(), allocator)) {
                forwarder.start();
                port.attach();
                out.printf("fwd %s queues %s mode %s: %s mode, XDP %s, burst %d, %d frames in flight per queue%s%n",
                        settings.iface(), java.util.Arrays.toString(settings.queues()), settings.mode().label(),
                        port.copyMode(), port.xdpMode(), settings.burst(), settings.options().framesInFlight(),
                        warmed > 0 ? ", warmed up on " + warmed + " simulated packets" : "");
                Map<String, String> summary = LiveReporter.run(now -> {
                            heartbeat();
                            return sample(port, kernel, now);
                        }, seconds, () -> stopRequested || until.getAsBoolean(),
                        () -> {
                            forwarder.stop();
                            port.drainTx(500);
                        }, out);
                summary.put("mode", settings.mode().label());
                summary.put("xdp", port.xdpMode());
                summary.put("copy", port.copyMode().equals("copy") ? "copy" : "zero-copy");
                summary.put("queues", "" + settings.queues().length);
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

    private void heartbeat() {
        if (counters != null) {
            counters.heartbeat();
        }
    }

    private AfXdpPort open(CounterAllocator allocator) {
        AfXdpOptions options = settings.options().withCounters(allocator);
        if (settings.netns() == null) {
            return AfXdpPort.prepare(settings.iface(), settings.queues(), settings.umem(), options);
        }
        try (NetNs.Scope ignored = NetNs.enter(settings.netns())) {
            return AfXdpPort.prepare(settings.iface(), settings.queues(), settings.umem(), options);
        }
    }

    /** Sums the queues' counters; copies each socket's kernel statistics into its counters on the way. */
    private static RateReport.Sample sample(AfXdpPort port, List<XskStatisticsCounters> kernel, long now) {
        long rx = 0, rxb = 0, tx = 0, txb = 0, txFull = 0;
        XskStatistics k = XskStatistics.ZERO;
        for (int i = 0; i < port.queues().size(); i++) {
            XskQueue q = port.queues().get(i);
            PortCounters c = q.counters();
            rx += c.get(PortCounters.RX_PACKETS);
            rxb += c.get(PortCounters.RX_BYTES);
            tx += c.get(PortCounters.TX_PACKETS);
            txb += c.get(PortCounters.TX_BYTES);
            txFull += c.get(PortCounters.TX_RING_FULL);
            k = k.plus(kernel.get(i).update());
        }
        long dropped = k.rxDropped() + k.rxRingFull() + txFull;
        return new RateReport.Sample(now, rx, rxb, tx, txb, dropped, k.rxRingFull() + txFull, k.rxFillRingEmptyDescs());
    }
}
