package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpPort;
import dev.sluice.pipeline.fwd.ForwardMode;
import dev.sluice.pipeline.fwd.Forwarder;
import dev.sluice.sys.NetNs;
import dev.sluice.umem.UmemConfig;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What {@code sluice fwd} and {@code sluice demo} share: open an AF_XDP port, warm the loop up,
 * attach, forward on pinned threads while printing one line per second, and finish with the
 * summary line, on time, on Ctrl-C or when told to stop.
 */
final class ForwardSession {
    record Settings(String iface, int[] queues, ForwardMode mode, AfXdpOptions options, UmemConfig umem, int burst,
                    int[] cpus, long warmUpMillis, String netns) {
    }

    private final Settings settings;
    private final PrintStream out;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;

    ForwardSession(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
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
        AfXdpPort port = open();
        try (port) {
            long warmed = settings.warmUpMillis() > 0
                    ? Forwarder.warmUp(settings.mode(), settings.burst(), settings.warmUpMillis()) : 0;
            try (Forwarder forwarder = new Forwarder(port.queues(), settings.mode(), settings.burst(), settings.cpus())) {
                forwarder.start();
                port.attach();
                out.printf("fwd %s queues %s mode %s: %s mode, XDP %s, burst %d, %d frames in flight per queue%s%n",
                        settings.iface(), java.util.Arrays.toString(settings.queues()), settings.mode().label(),
                        port.copyMode(), port.xdpMode(), settings.burst(), settings.options().framesInFlight(),
                        warmed > 0 ? ", warmed up on " + warmed + " simulated packets" : "");
                Map<String, String> summary = LiveReporter.run(port, seconds, () -> stopRequested || until.getAsBoolean(),
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

    private AfXdpPort open() {
        if (settings.netns() == null) {
            return AfXdpPort.prepare(settings.iface(), settings.queues(), settings.umem(), settings.options());
        }
        try (NetNs.Scope ignored = NetNs.enter(settings.netns())) {
            return AfXdpPort.prepare(settings.iface(), settings.queues(), settings.umem(), settings.options());
        }
    }
}
