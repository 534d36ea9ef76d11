package dev.sluice.systest;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersReader;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.UdpFlood;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice fwd} as a user runs it: real traffic, the summary line, and every bad input
 * answered with one clear line (no stack trace) that leaves nothing attached.
 */
class CliSystemTest {
    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs sockets in network namespaces");
    }

    private static boolean xdpAttached(NetnsPair box) {
        String link = Commands.run("ip", "-n", box.nsA, "-d", "link", "show", "dev", box.ifA);
        return link.contains("prog/xdp") || link.matches("(?s).*\\bxdp(generic|drv|offload)?\\b.*");
    }

    private static void assertOneClearLine(Cli.Result r, String expected) {
        assertThat(r.exit()).as("exit code; stderr: " + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(expected);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines().count()).as("lines in: " + r.err()).isEqualTo(1);
    }

    static Map<String, String> summary(String out) {
        String line = out.lines().filter(l -> l.startsWith("summary ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no summary line in:\n" + out));
        return Stream.of(line.substring(8).split(" ")).map(kv -> kv.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Cli.Result r = Cli.run(List.of(), 60, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("fwd").contains("demo");
    }

    @Test
    void fwdReceivesRealTrafficAndEndsWithASummary() throws Exception {
        try (NetnsPair box = NetnsPair.create("clifwd")) {
            box.staticNeighbours();
            Process p = new ProcessBuilder(Cli.command(Cli.inNetns(box.nsA), "fwd", "--iface", box.ifA, "--mode", "rxonly",
                    "--duration", "4", "--warmup-ms", "300")).redirectErrorStream(true).start();
            StringBuilder out = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 UdpFlood ignored = startSenderWhenAttached(r, out, box)) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.append(line).append('\n');
                }
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out.toString()).isZero();
            Map<String, String> s = summary(out.toString());
            assertThat(s).containsKeys("rx_packets", "tx_packets", "rx_pps", "tx_pps", "dropped", "mode", "xdp");
            assertThat(Long.parseLong(s.get("rx_packets"))).as(out.toString()).isPositive();
            assertThat(Long.parseLong(s.get("rx_pps"))).isPositive();
            assertThat(s.get("mode")).isEqualTo("rxonly");
            assertThat(s.get("xdp")).isIn("native", "generic");
            assertThat(out.toString().lines().filter(l -> l.matches("\\s*\\d+s\\s+rx.*")).count()).isGreaterThanOrEqualTo(3);
            assertThat(xdpAttached(box)).as("program detached after the run").isFalse();
        }
    }

    /** Reads up to the "fwd ..." header (the port is attached then) and starts traffic. */
    private static UdpFlood startSenderWhenAttached(BufferedReader r, StringBuilder out, NetnsPair box) throws Exception {
        String line;
        while ((line = r.readLine()) != null) {
            out.append(line).append('\n');
            if (line.startsWith("fwd ")) {
                return new UdpFlood(box.nsB, box.ipA, 9, 18, 0);
            }
        }
        throw new AssertionError("fwd never attached:\n" + out);
    }

    @Test
    void ctrlCEndsCleanlyWithTheSummaryAndDetaches() throws Exception {
        try (NetnsPair box = NetnsPair.create("cliint")) {
            Process p = new ProcessBuilder(Cli.command(Cli.inNetns(box.nsA), "fwd", "--iface", box.ifA, "--warmup-ms", "100"))
                    .redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("fwd ")) {
                out.append(line).append('\n');
            }
            assertThat(line).as("fwd started: " + out).isNotNull();
            // fwd installs its Ctrl-C handler before it prints that line: no need to wait longer.
            Commands.run("kill", "-INT", Long.toString(p.pid())); // what Ctrl-C sends
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
            }
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(summary(out.toString())).containsKeys("rx_packets", "rx_pps", "mode", "xdp");
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    /**
     * fwd runs until every generated packet has arrived (read from its counters file), not for a
     * fixed time: on a busy machine gen's JVM alone may take seconds to start.
     */
    @Test
    void genIntoFwdOnTheOtherNamespaceCountsMatch() throws Exception {
        long count = 30_000;
        try (NetnsPair box = NetnsPair.create("cligen")) {
            Process fwd = new ProcessBuilder(Cli.command(Cli.inNetns(box.nsB), "fwd", "--iface", box.ifB, "--mode", "rxonly",
                    "--frames", "4096", "--ring-size", "4096", "--umem-frames", "8192")).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(fwd.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder fwdOut = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("fwd ")) {
                fwdOut.append(line).append('\n');
            }
            assertThat(line).as("fwd started: " + fwdOut).isNotNull();
            Cli.Result gen = Cli.run(Cli.inNetns(box.nsA), 60, "gen", "--iface", box.ifA, "--dst-mac", box.macB(),
                    "--src-ip", box.ipA, "--dst-ip", box.ipB, "--count", "" + count, "--rate", "10000", "--flows", "16");
            assertThat(gen.exit()).as(gen.out() + gen.err()).isZero();
            Map<String, String> g = summary(gen.out());
            assertThat(Long.parseLong(g.get("tx_packets"))).isEqualTo(count);
            assertThat(g.get("mode")).isEqualTo("flowgen");
            Path counters = CountersDirectory.fileFor(CountersDirectory.resolve(), fwd.pid(), "fwd-" + box.ifB);
            // Every packet either reached fwd or was dropped by the kernel at the socket, counted in the
            // socket's statistics (a receiver the scheduler leaves off its CPU long enough overflows its
            // rings on a busy machine): gen's count must be accounted for exactly, whatever the load.
            Await.until(() -> receivedPackets(counters) + socketDrops(counters) >= count, Duration.ofSeconds(60),
                    () -> count + " packets received by fwd or dropped at its socket; its counters say "
                            + receivedPackets(counters) + " received, " + socketDrops(counters) + " dropped");
            long drops = socketDrops(counters); // read before fwd exits and removes its file
            Commands.run("kill", "-INT", Long.toString(fwd.pid()));
            while ((line = r.readLine()) != null) {
                fwdOut.append(line).append('\n');
            }
            assertThat(fwd.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Map<String, String> f = summary(fwdOut.toString());
            assertThat(Long.parseLong(f.get("rx_packets")) + drops).as(fwdOut.toString()).isEqualTo(count);
            assertThat(f.get("dropped")).isEqualTo("0");
        }
    }

    /**
     * Packets the kernel dropped at fwd's sockets (rx_dropped: no frame in the FILL ring or too long;
     * rx_ring_full: the RX ring was full), 0 until the file exists or once it is gone: the two never
     * count the same packet.
     */
    private static long socketDrops(Path counters) {
        if (!Files.exists(counters)) {
            return 0;
        }
        try (CountersReader reader = CountersReader.open(counters)) {
            return reader.snapshot().stream().filter(g -> g.kind().equals("xsk"))
                    .mapToLong(g -> g.value("rx_dropped") + g.value("rx_ring_full")).sum();
        }
    }

    /** rx_packets of every port in a running fwd's counters file (0 until the file exists). */
    private static long receivedPackets(Path counters) {
        if (!Files.exists(counters)) {
            return 0;
        }
        try (CountersReader reader = CountersReader.open(counters)) {
            return reader.snapshot().stream().filter(g -> g.kind().equals("port"))
                    .mapToLong(g -> g.value("rx_packets")).sum();
        }
    }

    @Test
    void memoryDriverRunsWithoutANetwork() throws Exception {
        Cli.Result r = Cli.run(List.of(), 60, "fwd", "--driver", "memory", "--mode", "5tswap", "--duration", "2", "--warmup-ms", "200");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Map<String, String> s = summary(r.out());
        assertThat(Long.parseLong(s.get("rx_packets"))).isPositive();
        assertThat(s.get("tx_packets")).isEqualTo(s.get("rx_packets"));
        assertThat(s.get("driver")).isEqualTo("memory");
    }

    @Test
    void severalWorkersSpreadOneQueueByFlowHash() throws Exception {
        Cli.Result r = Cli.run(List.of(), 60, "fwd", "--driver", "memory", "--mode", "macswap", "--workers", "2",
                "--duration", "2", "--warmup-ms", "200");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Map<String, String> s = summary(r.out());
        assertThat(s.get("workers")).isEqualTo("2");
        assertThat(Long.parseLong(s.get("rx_packets"))).isPositive();
        assertThat(s.get("tx_packets")).as("every packet received was forwarded").isEqualTo(s.get("rx_packets"));
    }

    @Test
    void afpacketDriverForwardsRealTraffic() throws Exception {
        try (NetnsPair box = NetnsPair.create("cliafp")) {
            box.staticNeighbours();
            Process p = new ProcessBuilder(Cli.command(Cli.inNetns(box.nsA), "fwd", "--driver", "afpacket", "--iface", box.ifA,
                    "--mode", "rxonly")).redirectErrorStream(true).start();
            StringBuilder out = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 UdpFlood ignored = startSenderWhenAttached(r, out, box)) {
                // runs until its counters show traffic, not for a fixed time: on a busy machine the
                // sender may start seconds after fwd has attached
                Path counters = CountersDirectory.fileFor(CountersDirectory.resolve(), p.pid(), "fwd-" + box.ifA);
                Await.until(() -> receivedPackets(counters) > 0, Duration.ofSeconds(60),
                        () -> "fwd over AF_PACKET to receive a packet:\n" + out);
                Commands.run("kill", "-INT", Long.toString(p.pid()));
                String line;
                while ((line = r.readLine()) != null) {
                    out.append(line).append('\n');
                }
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out.toString()).isIn(0, 130); // 130: ended by SIGINT, as Ctrl-C ends it
            Map<String, String> s = summary(out.toString());
            assertThat(s.get("driver")).isEqualTo("afpacket");
            assertThat(Long.parseLong(s.get("rx_packets"))).as(out.toString()).isPositive();
        }
    }

    @Test
    void whereAfXdpCannotWorkAfPacketIsOffered() throws Exception {
        try (NetnsPair box = NetnsPair.create("clifb")) {
            // Without CAP_BPF (and CAP_SYS_ADMIN, which implies it) no XDP program can be loaded.
            List<String> prefix = List.of("ip", "netns", "exec", box.nsA, "setpriv", "--bounding-set", "-bpf,-sys_admin",
                    "--inh-caps", "-bpf,-sys_admin");
            Cli.Result r = Cli.run(prefix, 60, "fwd", "--iface", box.ifA, "--duration", "1");
            assertOneClearLine(r, "rerun with --driver afpacket");
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    /** A Linux bridge has no driver XDP: native mode is refused by the kernel; generic XDP and AF_PACKET are offered. */
    @Test
    void whereTheDriverLacksNativeXdpAfPacketIsOffered() throws Exception {
        try (NetnsPair box = NetnsPair.create("clinat")) {
            Commands.run("ip", "-n", box.nsA, "link", "add", "sbr0", "type", "bridge");
            Commands.run("ip", "-n", box.nsA, "link", "set", "dev", "sbr0", "up");
            Cli.Result r = Cli.run(Cli.inNetns(box.nsA), 60, "fwd", "--iface", "sbr0", "--xdp-mode", "native", "--duration", "1");
            assertOneClearLine(r, "native XDP is not available on sbr0 (its driver has no XDP of its own): "
                    + "rerun with --xdp-mode generic, or with --driver afpacket");
            assertThat(Commands.run("ip", "-n", box.nsA, "-d", "link", "show", "dev", "sbr0")).doesNotContain("prog/xdp");
            // and the advice holds: generic XDP works on the bridge
            Cli.Result generic = Cli.run(Cli.inNetns(box.nsA), 60, "fwd", "--iface", "sbr0", "--xdp-mode", "generic",
                    "--mode", "rxonly", "--duration", "1");
            assertThat(generic.exit()).as(generic.err()).isZero();
            assertThat(summary(generic.out()).get("driver")).isEqualTo("afxdp");
            assertThat(Commands.run("ip", "-n", box.nsA, "-d", "link", "show", "dev", "sbr0")).doesNotContain("prog/xdp");
        }
    }

    @Test
    void copyAndZeroCopyTogetherAreOneClearLineForFwdAndGen() throws Exception {
        assertOneClearLine(Cli.run(List.of(), 60, "fwd", "--iface", "nosuch0", "--copy", "--zero-copy", "--duration", "1"),
                "--copy and --zero-copy exclude each other");
        assertOneClearLine(Cli.run(List.of(), 60, "gen", "--iface", "nosuch0", "--dst-mac", "02:00:00:00:00:01", "--copy",
                "--zero-copy", "--count", "1"), "--copy and --zero-copy exclude each other");
    }

    @Test
    void unknownInterfaceIsOneClearLine() throws Exception {
        Cli.Result r = Cli.run(List.of(), 60, "fwd", "--iface", "nosuch0", "--duration", "1");
        assertOneClearLine(r, "no network interface named 'nosuch0'");
    }

    @Test
    void queueOutOfRangeIsOneClearLineAndLeavesNothingAttached() throws Exception {
        try (NetnsPair box = NetnsPair.create("cliq")) {
            Cli.Result r = Cli.run(Cli.inNetns(box.nsA), 60, "fwd", "--iface", box.ifA, "--queue", "3", "--duration", "1");
            assertOneClearLine(r, "queue 3 is out of range: " + box.ifA + " has ");
            // the driver counts the queues, the command line names its flag
            assertThat(r.err()).containsPattern("has (1 RX queue \\(use --queue 0\\)|\\d+ RX queues \\(--queue takes 0\\.\\.\\d+\\))$");
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    @Test
    void forcedZeroCopyOnVethIsOneClearLineAndLeavesNothingAttached() throws Exception {
        try (NetnsPair box = NetnsPair.create("clizc")) {
            Cli.Result r = Cli.run(Cli.inNetns(box.nsA), 60, "fwd", "--iface", box.ifA, "--zero-copy", "--duration", "1");
            assertOneClearLine(r, "zero-copy");
            assertThat(r.err()).contains("drop --zero-copy");
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    @Test
    void aSecondXdpProgramIsRefusedClearly() throws Exception {
        try (NetnsPair box = NetnsPair.create("cli2");
             AfXdpInterface first = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults())) {
            assertThat(xdpAttached(box)).isTrue();
            Cli.Result r = Cli.run(Cli.inNetns(box.nsA), 60, "fwd", "--iface", box.ifA, "--duration", "1");
            assertOneClearLine(r, "already has an XDP program attached");
            // held through a bpf_link by this test's JVM: the way out is that process, not 'ip link ... xdp off'
            assertThat(r.err()).contains("through a bpf_link held by process " + ProcessHandle.current().pid() + " (java ");
            first.close();
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    /**
     * Two sluice processes on one interface: the second is refused with the pid and command of the
     * first, which holds the program through a bpf_link ('ip link set ... xdp off' cannot remove it).
     */
    @Test
    void aSecondFwdNamesTheFwdThatHoldsTheInterface() throws Exception {
        try (NetnsPair box = NetnsPair.create("cli2fwd")) {
            Process first = new ProcessBuilder(Cli.command(Cli.inNetns(box.nsA), "fwd", "--iface", box.ifA, "--warmup-ms", "100"))
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
                String line;
                StringBuilder seen = new StringBuilder();
                while ((line = out.readLine()) != null && !line.startsWith("fwd ")) {
                    seen.append(line).append('\n');
                }
                assertThat(line).as("first fwd started: " + seen).isNotNull();
                Cli.Result second = Cli.run(Cli.inNetns(box.nsA), 60, "fwd", "--iface", box.ifA, "--duration", "1");
                // 'ip netns exec' execs java: the first process's pid is the JVM's
                assertOneClearLine(second, "through a bpf_link held by process " + first.pid()
                        + " (java dev.sluice.cli.Main fwd --iface " + box.ifA + " --warmup-ms 100): stop that process");
            } finally {
                first.destroy(); // SIGTERM: the first fwd ends cleanly
                if (!first.waitFor(30, TimeUnit.SECONDS)) {
                    first.destroyForcibly();
                    first.waitFor(10, TimeUnit.SECONDS);
                }
            }
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    @Test
    void tooLittleLockedMemoryIsOneClearLine() throws Exception {
        try (NetnsPair box = NetnsPair.create("climem")) {
            // Without CAP_IPC_LOCK the UMEM counts against RLIMIT_MEMLOCK (here 1 MiB < 8 MiB of UMEM).
            List<String> prefix = List.of("ip", "netns", "exec", box.nsA, "prlimit", "--memlock=1048576:1048576",
                    "setpriv", "--bounding-set", "-ipc_lock", "--inh-caps", "-ipc_lock");
            Cli.Result r = Cli.run(prefix, 60, "fwd", "--iface", box.ifA, "--duration", "1");
            assertOneClearLine(r, "RLIMIT_MEMLOCK");
            assertThat(xdpAttached(box)).isFalse();
        }
    }

    @Test
    void killMinusNineLeavesNoProgramOnTheInterface() throws Exception {
        try (NetnsPair box = NetnsPair.create("clikill")) {
            Process p = new ProcessBuilder(Cli.command(Cli.inNetns(box.nsA), "fwd", "--iface", box.ifA, "--warmup-ms", "100"))
                    .redirectErrorStream(true).start();
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line;
                StringBuilder seen = new StringBuilder();
                while ((line = r.readLine()) != null && !line.startsWith("fwd ")) {
                    seen.append(line).append('\n');
                }
                assertThat(line).as("fwd started: " + seen).isNotNull();
                assertThat(xdpAttached(box)).as("attached while running").isTrue();
            } finally {
                p.destroyForcibly(); // SIGKILL: no shutdown hook runs
                p.waitFor(10, TimeUnit.SECONDS);
                // Its counters file stays (sluice stat would remove it later); leave nothing behind.
                Files.deleteIfExists(CountersDirectory.fileFor(CountersDirectory.resolve(), p.pid(), "fwd-" + box.ifA));
            }
            Await.holdsWithin(() -> !xdpAttached(box), Duration.ofSeconds(60));
            assertThat(xdpAttached(box)).as("program left on the interface after kill -9").isFalse();
        }
    }
}
