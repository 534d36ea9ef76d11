package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.xdp.XdpMode;
import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersFile;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.umem.UmemConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/** {@code sluice fwd}: receive on an AF_XDP port and drop, echo or MAC-swap, with live rates. */
@Command(name = "fwd", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Forward packets testpmd-style (rxonly, io, macswap, 5tswap) and show live rates.",
        description = {"Runs on AF_XDP (default), AF_PACKET, a pcap file (offline) or the memory driver",
                "(simulated kernel side).",
                "AF_XDP takes every frame of the queue except ARP and IPv6 neighbour discovery (ICMPv6 133-137), left to the kernel.",
                "Prints one line per second and ends with 'summary key=value ...'.",
                "Its counters are in a shared-memory file for 'sluice stat' while it runs."})
final class FwdCommand implements Callable<Integer> {
    @Option(names = "--iface", paramLabel = "IF", description = "Network interface (afxdp, afpacket).")
    String iface;

    @Option(names = "--driver", paramLabel = "DRIVER", description = "afxdp, afpacket, pcap or memory (default: ${DEFAULT-VALUE}).")
    String driver = "afxdp";

    @Option(names = "--in", paramLabel = "FILE", description = "pcap or pcapng capture to read (--driver pcap).")
    String pcapIn;

    @Option(names = "--out", paramLabel = "FILE", description = "pcap file to write what is transmitted (--driver pcap; not the --in file).")
    String pcapOut;

    @Option(names = "--queue", split = ",", paramLabel = "N", description = "RX queue(s) of --driver afxdp, e.g. 0 or 0,1 (default: 0).")
    int[] queues = {0};

    @Option(names = "--mode", paramLabel = "MODE", description = "rxonly, io, macswap or 5tswap (default: ${DEFAULT-VALUE}).")
    String mode = "rxonly";

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this long (default: until Ctrl-C).")
    double duration;

    @Mixin
    XdpPortOptions port = new XdpPortOptions();

    @Option(names = "--batch", paramLabel = "N", description = "Burst size (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Mixin
    XskRingOptions rings = new XskRingOptions();

    @Mixin
    IdleOption idle = new IdleOption();

    @Option(names = "--frame-size", paramLabel = "BYTES", description = "2048 or 4096 (default: ${DEFAULT-VALUE}; "
            + "the pcap driver takes 4096 when its capture holds longer packets).")
    int frameSize = 2048;

    @Option(names = "--truncate", description = "Cut packets longer than a frame to the frame (--driver pcap; "
            + "counted as truncated in the summary). Without it such a capture is refused.")
    boolean truncate;

    @Option(names = "--huge-pages", description = "Back the UMEM with huge pages when available.")
    boolean hugePages;

    @Option(names = "--workers", paramLabel = "N", description = "Forwarding threads, 1..64 (default: one per queue; more spread each queue by flow hash).")
    int workers;

    @Option(names = "--warmup-ms", paramLabel = "MS", description = "Warm the loop up before attaching (default: ${DEFAULT-VALUE}; 0: off).")
    long warmUpMillis = 1500;

    @Option(names = "--metrics", arity = "0..1", fallbackValue = MetricsServer.DEFAULT, paramLabel = "[ADDR:]PORT",
            description = "Serve the counters in Prometheus text format at http://ADDR:PORT/metrics (address default 127.0.0.1, "
                    + "port default 9464; 0: any free port).")
    String metrics;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        OptionChecks.fwd(this); // every value checked before anything is set up
        ForwardSession.Settings settings = settings();
        CountersFile counters;
        try {
            counters = CountersFile.create(CountersDirectory.resolve(), instanceName(), commandLine(), CountersFile.DEFAULT_CAPACITY);
        } catch (UncheckedIOException e) {
            throw new Main.UserError(e.getMessage());
        }
        MetricsServer[] server = new MetricsServer[1];
        ForwardSession session = new ForwardSession(settings, System.out, counters);
        Thread hook = new Thread(() -> {
            session.requestStop();
            try {
                session.awaitFinished(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(server[0], counters); // the JVM may halt before the main thread gets there
        }, "sluice-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (metrics != null) {
                server[0] = MetricsServer.start(metrics, new CountersCollector(counters.reader(), () -> true));
                System.out.println("metrics " + server[0].url());
            }
            try {
                session.run(duration, () -> false);
                String problem = session.inputProblem();
                if (problem != null) {
                    // Everything before the damage was processed and written; say where it stopped.
                    System.err.println("sluice: the capture " + pcapIn + " is damaged, stopped there: " + problem);
                    return 1;
                }
            } catch (RuntimeException e) {
                if (settings.driver() == ForwardSession.Driver.AFXDP
                        && settings.options().xdpMode() == XdpMode.NATIVE
                        && AfXdpFallback.xdpRefused(e)) {
                    // Generic XDP needs nothing from the driver and still beats AF_PACKET: offer it first.
                    throw new Main.UserError("native XDP is not available on " + iface
                            + " (its driver has no XDP of its own): rerun with --xdp-mode generic, or with --driver afpacket");
                }
                if (settings.driver() == ForwardSession.Driver.AFXDP && AfXdpFallback.suggest(e)) {
                    // AF_XDP cannot work here, AF_PACKET can: say so instead of just failing.
                    throw new Main.UserError(AfXdpFallback.message(iface, e));
                }
                throw e;
            }
        } finally {
            closeQuietly(server[0], counters);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C arrived: the hook is running and waits for us; nothing to remove.
        }
        return 0;
    }

    /** Stops serving metrics, then removes the counters file (idempotent, from either thread). */
    private static synchronized void closeQuietly(MetricsServer server, CountersFile counters) {
        if (server != null) {
            server.close();
        }
        counters.close();
    }

    private String commandLine() {
        return "sluice " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    ForwardSession.Driver driver() {
        ForwardSession.Driver d = switch (driver.toLowerCase()) {
            case "afxdp", "af_xdp" -> ForwardSession.Driver.AFXDP;
            case "afpacket", "af_packet" -> ForwardSession.Driver.AFPACKET;
            case "pcap" -> ForwardSession.Driver.PCAP;
            case "memory" -> ForwardSession.Driver.MEMORY;
            default -> throw new Main.UserError("unknown --driver '" + driver + "' (afxdp, afpacket, pcap, memory)");
        };
        boolean needsIface = d == ForwardSession.Driver.AFXDP || d == ForwardSession.Driver.AFPACKET;
        if (needsIface && iface == null) {
            throw new Main.UserError("--driver " + driver + " needs --iface");
        }
        if (d == ForwardSession.Driver.PCAP && pcapIn == null) {
            throw new Main.UserError("--driver pcap needs --in FILE (and --out FILE to keep what is transmitted)");
        }
        if (d != ForwardSession.Driver.PCAP && (pcapIn != null || pcapOut != null)) {
            throw new Main.UserError("--in and --out belong to --driver pcap");
        }
        return d;
    }

    /** The instance name in the counters directory. */
    String instanceName() {
        return "fwd-" + (iface != null ? iface : driver.toLowerCase());
    }

    /** The session's settings, from options that {@link OptionChecks#fwd} accepted. */
    ForwardSession.Settings settings() {
        ForwardSession.Driver d = driver();
        AfXdpOptions.CopyMode cm = port.copyMode();
        XdpMode xm = port.xdpMode();
        AfXdpOptions options = AfXdpOptions.defaults().withCopyMode(cm).withXdpMode(xm).withRingSize(rings.ringSize)
                .withFramesInFlight(rings.frames);
        UmemConfig umem = new UmemConfig(rings.umemFrames * queues.length, frameSize, 0, hugePages);
        return new ForwardSession.Settings(d, iface, queues, ForwardMode.parse(mode), options, umem, batch, port.cpus(),
                warmUpMillis, null, pcapIn, pcapOut, workers, idle.orDefault(ForwardSession.DEFAULT_IDLE));
    }
}
