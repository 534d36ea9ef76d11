package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersFile;
import dev.sluice.pipeline.gen.TxGenerator;
import dev.sluice.pipeline.gen.UdpTemplate;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Netlink;
import dev.sluice.umem.UmemConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code sluice gen}: a UDP traffic generator over AF_XDP TX (txonly, or flowgen with --flows). */
@Command(name = "gen", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Send UDP traffic through an AF_XDP port, as fast as possible or at --rate.",
        description = {"Prints one line per second and ends with 'summary key=value ...'.",
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

    @Option(names = "--src-port", paramLabel = "P", description = "First source port, 1..65535 (default: ${DEFAULT-VALUE}).")
    int srcPort = 1024;

    @Option(names = "--dst-port", paramLabel = "P", description = "Destination UDP port, 1..65535 (default: ${DEFAULT-VALUE}).")
    int dstPort = 9;

    @Option(names = "--size", paramLabel = "BYTES", description = "Frame size on the wire incl. 4-byte FCS, 46..1518 (default: ${DEFAULT-VALUE}).")
    int size = 64;

    @Option(names = "--flows", paramLabel = "N", description = "Source ports cycled through, from --src-port up to 65535 at most (default: ${DEFAULT-VALUE}).")
    int flows = 1;

    @Option(names = "--rate", paramLabel = "PPS", description = "Packets per second; 0 means unlimited, as fast as possible (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N packets; 0 means no limit (default: ${DEFAULT-VALUE}).")
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
    private volatile Throwable senderFailure;

    @Override
    public Integer call() throws Exception {
        OptionChecks.gen(this); // every value checked before anything is set up
        AfXdpOptions.CopyMode cm = copyMode.copyMode();
        byte[] dst = OptionChecks.mac("--dst-mac", dstMac);
        int src4 = OptionChecks.ipv4("--src-ip", srcIp);
        int dst4 = OptionChecks.ipv4("--dst-ip", dstIp);
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
            byte[] src = srcMac != null ? OptionChecks.mac("--src-mac", srcMac) : Netlink.link(port.interfaceIndex()).mac();
            if (src.length != 6) {
                throw new Main.UserError(iface + " has no Ethernet address; give --src-mac");
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
            System.out.printf("gen %s queue %d: %s mode, %s-byte frames, %s flow%s, %s%n", iface, queue, port.copyMode(),
                    RateReport.group(size), RateReport.group(flows), flows == 1 ? "" : "s",
                    rate > 0 ? RateReport.group(rate) + " pps" : "as fast as possible");
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
        throwIfFailed(senderFailure);
        return 0;
    }

    /**
     * Ends the command with what stopped the sending thread, after the summary of what it did: a
     * system call the system refused as one line (exit 2), anything else as an internal error.
     */
    static void throwIfFailed(Throwable failure) {
        if (failure == null) {
            return;
        }
        if (failure instanceof NativeException e) {
            throw e;
        }
        throw new IllegalStateException("the sending thread failed", failure);
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
        } catch (Throwable t) {
            senderFailure = t; // the command fails with it once the summary is out
        } finally {
            senderDone = true;
        }
    }
}
