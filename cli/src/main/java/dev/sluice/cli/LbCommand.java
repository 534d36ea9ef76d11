package dev.sluice.cli;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersFile;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.XskStatistics;
import dev.sluice.drivers.xdp.XdpMode;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.lb.admin.AdminServer;
import dev.sluice.lb.admin.LoadBalancerAdmin;
import dev.sluice.lb.control.LbOptions;
import dev.sluice.lb.control.LoadBalancer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** {@code sluice lb}: the L4 load balancer, run from a configuration file, with live rates. */
@Command(name = "lb", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {LbWhichCommand.class, LbStatusCommand.class, LbReloadCommand.class, LbDrainCommand.class,
                LbDrainCommand.Undrain.class},
        header = "Balance VIPs over backends (Maglev, DSR / IPIP / GUE, IPv4 and IPv6).",
        description = {"Reads the configuration (YAML; see the README's 'Load balancer' section), opens the interface "
                + "on every RX queue and steers only the VIPs' packets to its sockets: everything else, ARP and neighbour "
                + "discovery included, stays with the host.",
                "Prints one line per second and ends with 'summary key=value ...' (Ctrl-C, or --duration). Its counters "
                + "are in a shared-memory file for 'sluice stat' while it runs.",
                "An invalid configuration ends with one line 'FILE:LINE:COLUMN: KEY: what is wrong' and exit code 2, "
                + "before anything is attached.",
                "While it runs it answers 'sluice lb status', 'reload', 'drain' and 'undrain' over a Unix socket beside its "
                + "counters file (owner-only), and SIGHUP reloads its configuration file (the outcome goes to stderr).",
                "'sluice lb which' tells which backend a flow goes to, without running anything."})
final class LbCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The configuration (YAML).")
    Path config;

    @Option(names = "--metrics", arity = "0..1", fallbackValue = MetricsServer.DEFAULT, paramLabel = "[ADDR:]PORT",
            description = "Serve the counters in Prometheus text format at http://ADDR:PORT/metrics (address default 127.0.0.1, "
                    + "port default 9464; 0: any free port).")
    String metrics;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this long (default: until Ctrl-C).")
    double duration;

    @Mixin
    XdpPortOptions port = new XdpPortOptions();

    @Mixin
    XskRingOptions rings = new XskRingOptions();

    @Mixin
    IdleOption idle = new IdleOption();

    @Option(names = "--warmup-ms", paramLabel = "MS", description = "Warm the data path up before attaching (default: ${DEFAULT-VALUE}; 0: off).")
    long warmUpMillis = LbOptions.DEFAULT_WARM_UP.toMillis();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile boolean started;
    /** Serving while the balancer runs; closed (its socket file removed) at exit, also from the Ctrl-C hook. */
    private volatile AdminServer admin;
    private final Consumer<String> log = message -> {
        System.err.println("sluice lb: " + message);
        System.err.flush();
    };

    @Override
    public Integer call() {
        if (config == null) {
            throw new Main.UserError("sluice lb needs --config FILE (see 'sluice lb --help')");
        }
        OptionChecks.nonNegative("--duration", duration, "until Ctrl-C");
        OptionChecks.nonNegative("--warmup-ms", warmUpMillis, "0: off");
        rings.check(LoadBalancer.MAX_WORKERS); // every RX queue of the interface shares one UMEM
        idle.orDefault(LbOptions.DEFAULT_IDLE); // an unknown strategy is refused before the file is read
        if (metrics != null) {
            MetricsServer.parse(metrics);
        }
        XdpMode xm = port.xdpMode();
        // Every problem of the file is reported before anything is set up.
        LbConfig lbConfig = LbConfigLoader.load(config);
        int workers = lbConfig.workers();
        int[] cpus = port.cpus();
        if (cpus != null) {
            OptionChecks.cpus(cpus, workers > 0 ? workers : cpus.length, CpuSet.allowed());
        }
        CountersFile counters;
        try {
            counters = CountersFile.create(CountersDirectory.resolve(), "lb-" + lbConfig.interfaceName(), commandLine(),
                    countersCapacity(lbConfig));
        } catch (UncheckedIOException e) {
            throw new Main.UserError(e.getMessage());
        }
        MetricsServer[] server = new MetricsServer[1];
        Thread hook = new Thread(() -> {
            stopRequested = true;
            try {
                if (started) {
                    finished.await(5000, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(admin, server[0], counters); // the JVM may halt before the main thread gets there
        }, "sluice-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (metrics != null) {
                server[0] = MetricsServer.start(metrics, new CountersCollector(counters.reader(), () -> true));
                System.out.println("metrics " + server[0].url());
            }
            started = true;
            try {
                if (!stopRequested) {
                    run(lbConfig, xm, counters);
                }
            } finally {
                finished.countDown();
            }
        } finally {
            closeQuietly(admin, server[0], counters);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C arrived: the hook is running and waits for us; nothing to remove.
        }
        return 0;
    }

    private void run(LbConfig lbConfig, XdpMode xm, CountersFile counters) {
        LbOptions options = LbOptions.defaults().withXdpMode(xm).withCopyMode(port.copyMode()).withCounters(counters)
                .withLog(log).withWarmUp(Duration.ofMillis(warmUpMillis))
                .withRings(rings.umemFrames, rings.ringSize, rings.frames).withIdle(idle.orDefault(LbOptions.DEFAULT_IDLE));
        if (port.cpus() != null) {
            options = options.withCpus(port.cpus());
        }
        LoadBalancer lb;
        try {
            lb = LoadBalancer.start(lbConfig, options);
        } catch (RuntimeException e) {
            if (xm == XdpMode.NATIVE && AfXdpFallback.xdpRefused(e)) {
                throw new Main.UserError("native XDP is not available on " + lbConfig.interfaceName()
                        + " (its driver has no XDP of its own): rerun with --xdp-mode generic");
            }
            throw e;
        }
        LoadBalancerAdmin answers = new LoadBalancerAdmin(lb);
        try (lb; AdminServer served = serveAdmin(answers, counters);
             HangupReload hangup = HangupReload.install(() -> lb.reload(lb.configSource()), log)) {
            int vips = lbConfig.vips().size();
            long backends = lbConfig.vips().stream().mapToLong(v -> v.backends().size()).sum();
            int queues = lb.port().queues().size();
            System.out.printf("lb %s: %d VIP%s, %d backend%s, %d queue%s, %d worker%s, idle %s, %s mode, XDP %s%s%n",
                    lbConfig.interfaceName(), vips, vips == 1 ? "" : "s", backends, backends == 1 ? "" : "s",
                    queues, queues == 1 ? "" : "s", lb.workerCount(), lb.workerCount() == 1 ? "" : "s", options.idle(),
                    lb.port().copyMode(), lb.port().xdpMode(),
                    lb.warmUpPackets() > 0 ? ", warmed up on " + lb.warmUpPackets() + " simulated packets" : "");
            System.out.flush();
            Map<String, String> summary = LiveReporter.run(now -> {
                counters.heartbeat();
                return sample(lb, now);
            }, duration, () -> stopRequested, lb::stop, System.out);
            summary.put("driver", "afxdp");
            summary.put("xdp", lb.port().xdpMode());
            summary.put("copy", lb.port().copyMode());
            summary.put("queues", "" + queues);
            summary.put("workers", "" + lb.workerCount());
            summary.put("vips", "" + vips);
            summary.put("backends", "" + backends);
            LbSummary.add(lb, summary);
            System.out.println(RateReport.line(summary));
            System.out.flush();
        }
    }

    private static RateReport.Sample sample(LoadBalancer lb, long now) {
        XskStatistics k = lb.updateKernelCounters();
        long txFull = lb.portTotal(PortCounters.TX_RING_FULL);
        long dropped = k.rxDropped() + k.rxRingFull() + txFull;
        return new RateReport.Sample(now, lb.portTotal(PortCounters.RX_PACKETS), lb.portTotal(PortCounters.RX_BYTES),
                lb.portTotal(PortCounters.TX_PACKETS), lb.portTotal(PortCounters.TX_BYTES), dropped,
                k.rxRingFull() + txFull, k.rxFillRingEmptyDescs());
    }

    /** The admin socket beside the counters file; closed before the balancer (resources close in reverse). */
    private AdminServer serveAdmin(LoadBalancerAdmin answers, CountersFile counters) {
        try {
            admin = AdminServer.start(CountersDirectory.socketFor(counters.path()), answers, log);
        } catch (UncheckedIOException e) {
            throw new Main.UserError(e.getMessage());
        }
        return admin;
    }

    /** Stops answering admin requests and serving metrics, then removes the counters file (idempotent, from either thread). */
    private static synchronized void closeQuietly(AdminServer admin, MetricsServer server, CountersFile counters) {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
        counters.close();
    }

    /** Groups the balancer's counters file holds: what it allocates for this file, with room for reloads. */
    private static int countersCapacity(LbConfig lbConfig) {
        int queues;
        try {
            queues = AfXdpInterface.allQueues(lbConfig.interfaceName()).length;
        } catch (PortSetupException e) {
            queues = 1; // the balancer's start reports the interface; the file only needs a size
        }
        return Math.min(CountersFile.MAX_CAPACITY, Math.max(CountersFile.DEFAULT_CAPACITY,
                LoadBalancer.counterGroupsNeeded(lbConfig, queues)));
    }

    private String commandLine() {
        return "sluice " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }
}
