package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersFile;
import dev.sluice.pipeline.gen.TxGenerator;
import dev.sluice.pipeline.gen.UdpTemplate;
import dev.sluice.sys.LibC;
import dev.sluice.sys.Netlink;
import dev.sluice.umem.UmemConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code sluice gen}: a UDP traffic generator over AF_XDP TX (txonly, or flowgen with --flows). */
@Command(name = "gen", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send UDP traffic through an AF_XDP port, as fast as possible or at --rate.",
                "Prints one line per second and ends with 'summary key=value ...'.",
                "Its counters are in a shared-memory file for 'sluice stat' while it runs."})
final class GenCommand implements Callable<Integer> {
    @Option(names = "--iface", required = true, paramLabel = "IF", description = "Network interface.")
    String iface;

    @Option(names = "--dst-mac", required = true, paramLabel = "MAC", description = "Destination MAC address.")
    String dstMac;

    @Option(names = "--src-mac", paramLabel = "MAC", description = "Source MAC (default: the interface's).")
    String srcMac;

    @Option(names = "--src-ip", paramLabel = "A", description = "Source IPv4 address (default: ${DEFAULT-VALUE}).")
    String srcIp = "10.200.255.1";

    @Option(names = "--dst-ip", paramLabel = "B", description = "Destination IPv4 address (default: ${DEFAULT-VALUE}).")
    String dstIp = "10.200.255.2";

    @Option(names = "--src-port", paramLabel = "P", description = "First source port (default: ${DEFAULT-VALUE}).")
    int srcPort = 1024;

    @Option(names = "--dst-port", paramLabel = "P", description = "Destination UDP port (default: ${DEFAULT-VALUE}).")
    int dstPort = 9;

    @Option(names = "--size", paramLabel = "BYTES", description = "Frame size on the wire incl. 4-byte FCS (default: ${DEFAULT-VALUE}).")
    int size = 64;

    @Option(names = "--flows", paramLabel = "N", description = "Source ports cycled through (default: ${DEFAULT-VALUE}).")
    int flows = 1;

    @Option(names = "--rate", paramLabel = "PPS", description = "Packets per second (default: as fast as possible).")
    long rate;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N packets.")
    long count;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this long (default: until Ctrl-C or --count).")
    double duration;

    @Option(names = "--queue", paramLabel = "N", description = "TX queue (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--batch", paramLabel = "N", description = "Burst size (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--cpu", paramLabel = "N", description = "Pin the sending thread to this CPU.")
    Integer cpu;

    @Mixin
    CopyModeOptions copyMode = new CopyModeOptions();

    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile boolean senderDone;

    @Override
    public Integer call() throws Exception {
        AfXdpOptions.CopyMode cm = copyMode.copyMode();
        if (size < UdpTemplate.MIN_LENGTH + 4 || size > 1518) {
            throw new IllegalArgumentException("--size must be in 46..1518 (frame incl. FCS), not " + size);
        }
        if (rate < 0 || count < 0 || duration < 0) {
            throw new IllegalArgumentException("--rate, --count and --duration must not be negative");
        }
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("--batch must be in 1..1024, not " + batch);
        }
        byte[] dst = parseMac(dstMac, "--dst-mac");
        int src4 = ipv4(srcIp, "--src-ip");
        int dst4 = ipv4(dstIp, "--dst-ip");
        AfXdpOptions options = AfXdpOptions.defaults().withAttachProgram(false)
                .withCopyMode(cm);
        UmemConfig umemConfig = UmemConfig.defaults();
        CountersFile counters;
        try {
            counters = CountersFile.create(CountersDirectory.resolve(), "gen-" + iface, "sluice gen --iface " + iface,
                    CountersFile.DEFAULT_CAPACITY);
        } catch (UncheckedIOException e) {
            throw new Main.UserError(e.getMessage());
        }
        try {
            return run(counters, dst, src4, dst4, options, umemConfig);
        } finally {
            finished.countDown();
        }
    }

    private int run(CountersFile counters, byte[] dst, int src4, int dst4, AfXdpOptions options, UmemConfig umemConfig) {
        try (counters; AfXdpInterface port = AfXdpFlagAdvice.prepare(iface, new int[] {queue}, umemConfig, options.withCounters(counters))) {
            byte[] src = srcMac != null ? parseMac(srcMac, "--src-mac") : Netlink.link(port.interfaceIndex()).mac();
            if (src.length != 6) {
                throw new IllegalArgumentException(iface + " has no Ethernet address; give --src-mac");
            }
            UdpTemplate template = new UdpTemplate(src, dst, src4, dst4, srcPort, dstPort, size - 4);
            prefill(port, template);
            TxGenerator gen = new TxGenerator(port.queues().get(0), template, flows, batch);
            Thread hook = new Thread(() -> {
                stopRequested = true;
                try {
                    finished.await(5, TimeUnit.SECONDS); // the summary, then the counters file removed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-gen-ctrl-c");
            Runtime.getRuntime().addShutdownHook(hook);
            Thread sender = new Thread(() -> send(gen), "sluice-gen");
            sender.start();
            System.out.printf("gen %s queue %d: %s mode, %d-byte frames, %d flow%s, %s%n", iface, queue, port.copyMode(), size,
                    flows, flows == 1 ? "" : "s", rate > 0 ? rate + " pps" : "as fast as possible");
            Map<String, String> summary = LiveReporter.run(now -> {
                counters.heartbeat();
                return LiveReporter.sample(port, now);
            }, duration, () -> stopRequested || senderDone, () -> {
                stopRequested = true;
                try {
                    sender.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                port.drainTx(1000);
            }, System.out);
            summary.put("mode", flows > 1 ? "flowgen" : "txonly");
            summary.put("copy", port.copyMode());
            summary.put("size", "" + size);
            System.out.println(RateReport.line(summary));
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: fine
            }
        }
        return 0;
    }

    /** Every frame of the UMEM carries the template from the start; the hot loop stamps flows only. */
    private static void prefill(AfXdpInterface port, UdpTemplate template) {
        var umem = port.umem();
        long dataOffset = UmemConfig.KERNEL_HEADROOM + umem.headroom();
        for (int i = 0; i < umem.frameCount(); i++) {
            template.writeTo(umem.segment(), (long) i * umem.frameSize() + dataOffset);
        }
    }

    private void send(TxGenerator gen) {
        try {
            if (cpu != null) {
                LibC.pinCurrentThread(cpu);
            }
            long sent = 0;
            long limit = count > 0 ? count : Long.MAX_VALUE;
            long start = System.nanoTime();
            long budget = rate > 0 ? Math.min(batch, rate) : Long.MAX_VALUE;
            int iteration = 0;
            while (!stopRequested && sent < limit) {
                if (rate > 0 && ((++iteration & 7) == 0 || budget <= 0)) {
                    // Token bucket refilled from the clock every 8 bursts (or when empty), never
                    // more than one burst ahead: paced traffic, not bursts that overrun a receiver.
                    long allowed = (long) ((System.nanoTime() - start) / 1e9 * rate);
                    budget = Math.max(0, Math.min(allowed - sent, batch));
                }
                long want = Math.min(budget, limit - sent);
                if (want <= 0) {
                    Thread.onSpinWait();
                    continue;
                }
                int n = gen.doWork(want);
                sent += n;
                if (rate > 0) {
                    budget -= n;
                }
            }
        } finally {
            senderDone = true;
        }
    }

    private static byte[] parseMac(String text, String option) {
        try {
            byte[] b = HexFormat.ofDelimiter(":").parseHex(text.toLowerCase());
            if (b.length == 6) {
                return b;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through
        }
        throw new IllegalArgumentException(option + " '" + text + "' is not a MAC address like 02:00:00:00:00:01");
    }

    private static int ipv4(String text, String option) {
        try {
            InetAddress a = InetAddress.ofLiteral(text);
            if (a instanceof Inet4Address v4) {
                byte[] b = v4.getAddress();
                return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            }
        } catch (IllegalArgumentException ignored) {
            // fall through
        }
        throw new IllegalArgumentException(option + " '" + text + "' is not an IPv4 address");
    }
}
