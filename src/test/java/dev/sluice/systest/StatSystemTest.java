package dev.sluice.systest;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.counters.Labels;
import dev.sluice.sys.NetNs;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.UdpFlood;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice stat} reading a running {@code sluice fwd} from another process: its counters file
 * (via {@code --once}), Prometheus text format from both {@code fwd --metrics} and
 * {@code stat --metrics}, and the file's removal at exit or, after {@code kill -9}, by stat.
 * Each test uses a run directory of its own ({@code SLUICE_RUN_DIR}), so other instances on the
 * machine do not count.
 */
class StatSystemTest {
    private Path runDir;

    @BeforeEach
    void setUp() throws IOException {
        Privileged.requireNamespaces("runs sockets in network namespaces");
        runDir = Files.createTempDirectory("sluice-run");
    }

    @AfterEach
    void removeRunDir() throws IOException {
        try (Stream<Path> s = Files.walk(runDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private List<String> env() {
        return List.of("env", CountersDirectory.ENV + "=" + runDir);
    }

    private List<String> inNetns(String ns) {
        List<String> prefix = new ArrayList<>(Cli.inNetns(ns));
        prefix.addAll(env());
        return prefix;
    }

    /** "KIND [KEY=VALUE ...] NAME VALUE" lines → "KIND [KEY=VALUE ...] NAME" → value. */
    static Map<String, Long> parseOnce(String out) {
        Map<String, Long> m = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            int last = line.lastIndexOf(' ');
            m.put(line.substring(0, last), Long.parseLong(line.substring(last + 1)));
        }
        return m;
    }

    /** Runs {@code stat --once} until its counters satisfy {@code ok} (deadline: a minute); returns them. */
    private Map<String, Long> onceUntil(Predicate<Map<String, Long>> ok) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Cli.Result once = Cli.run(env(), 60, "stat", "--once");
            assertThat(once.exit()).as(once.err()).isZero();
            Map<String, Long> c = parseOnce(once.out());
            if (ok.test(c)) {
                return c;
            }
            assertThat(System.nanoTime()).as("counters never got there:\n" + once.out()).isLessThan(deadline);
        }
    }

    private List<Path> counterFiles() {
        return CountersDirectory.files(runDir);
    }

    /** A running fwd's output, read on a thread of its own so that the pipe never fills. */
    private static final class Output {
        final StringBuilder text = new StringBuilder();
        final Thread thread;

        Output(BufferedReader r) {
            thread = new Thread(() -> {
                try {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (text) {
                            text.append(line).append('\n');
                        }
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public String toString() {
            synchronized (text) {
                return text.toString();
            }
        }
    }

    /** Reads up to the "fwd ..." header (attached) and returns the lines so far. */
    private static String readUntilAttached(BufferedReader r) throws IOException {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("fwd ")) {
                return seen.toString();
            }
        }
        throw new AssertionError("fwd never attached:\n" + seen);
    }

    private static String metricsUrl(String lines) {
        Matcher m = Pattern.compile("(?m)^metrics (http://\\S+)$").matcher(lines);
        assertThat(m.find()).as("a 'metrics URL' line in:\n" + lines).isTrue();
        return m.group(1);
    }

    private static String get(String url) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }

    /** The same GET from a thread inside {@code netns} (where fwd and its loopback live). */
    private static String getIn(String netns, String url) throws Exception {
        String[] body = new String[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try (NetNs.Scope ignored = NetNs.enter(netns)) {
                body[0] = get(url);
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join(30_000);
        if (failure[0] != null) {
            throw new AssertionError("GET " + url + " in " + netns + " failed", failure[0]);
        }
        return body[0];
    }

    private static long metric(String body, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$").matcher(body);
        assertThat(m.find()).as(name + "{" + labels + "} in:\n" + body).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void statReadsARunningFwdLiveFromAnotherProcessAndItsFileGoesWithIt() throws Exception {
        try (NetnsPair box = NetnsPair.create("stat")) {
            box.staticNeighbours();
            Process fwd = new ProcessBuilder(Cli.command(inNetns(box.nsA), "fwd", "--iface", box.ifA, "--mode", "rxonly",
                    "--warmup-ms", "300", "--metrics", "9464")).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(fwd.getInputStream(), StandardCharsets.UTF_8));
            String head = readUntilAttached(r);
            Output rest = new Output(r);
            String instance = "fwd-" + box.ifA;
            String port = "afxdp:" + box.ifA + "/0";
            try (UdpFlood sender = new UdpFlood(box.nsB, box.ipA, 9, 18, 0)) {
                assertThat(counterFiles()).as("the counters file while fwd runs").hasSize(1);
                assertThat(counterFiles().get(0).getFileName().toString()).isEqualTo(fwd.pid() + "-" + instance + ".counters");

                // 1. sluice stat --once, in another process (and another network namespace): every
                //    group by its kind and labels: the port's, its socket's kernel statistics, the worker's.
                //    (fwd attaches a redirect-all program, which has no verdict counters: XdpProgramCountersTest)
                String rxPackets = "port port=" + port + " rx_packets";
                Map<String, Long> c = onceUntil(m -> m.getOrDefault(rxPackets, 0L) > 0
                        && m.getOrDefault("worker worker=0 busy_ns", 0L) > 0);
                assertThat(c.get("port port=" + port + " rx_bytes")).isGreaterThanOrEqualTo(60 * c.get(rxPackets));
                assertThat(c).containsKeys("xsk port=" + port + " rx_fill_empty", "xsk port=" + port + " rx_ring_full",
                        "xsk port=" + port + " rx_dropped", "port port=" + port + " tx_ring_full", "worker worker=0 idle_polls");
                assertThat(c.get("worker worker=0 busy_polls")).isPositive();

                Cli.Result byPid = Cli.run(env(), 60, "stat", "--once", "--pid", Long.toString(fwd.pid()));
                assertThat(byPid.exit()).as(byPid.err()).isZero();
                assertThat(parseOnce(byPid.out()).get(rxPackets))
                        .as("counters keep growing").isGreaterThanOrEqualTo(c.get(rxPackets));

                // 2. Prometheus from fwd itself (bound to loopback inside its namespace)
                String url = metricsUrl(head);
                assertThat(url).isEqualTo("http://127.0.0.1:9464/metrics");
                String body = getIn(box.nsA, url);
                assertThat(metric(body, "sluice_port_rx_packets_total", "instance=\"" + instance + "\",port=\"" + port + "\""))
                        .isPositive();
                assertThat(metric(body, "sluice_up", "instance=\"" + instance + "\"")).isEqualTo(1);
                assertThat(body).contains("# TYPE sluice_port_rx_packets_total counter")
                        .contains("sluice_worker_idle_polls_total{instance=\"" + instance + "\",worker=\"0\"}")
                        .contains("sluice_worker_busy_ns_total{instance=\"" + instance + "\",worker=\"0\"}")
                        .contains("sluice_xsk_rx_ring_full_total{instance=\"" + instance + "\",port=\"" + port + "\"}");

                // 3. Prometheus from sluice stat --metrics, serving the other process's file
                Process stat = new ProcessBuilder(Cli.command(env(), "stat", "--metrics", "127.0.0.1:0", "--interval", "200"))
                        .redirectErrorStream(true).start();
                try {
                    BufferedReader sr = new BufferedReader(new InputStreamReader(stat.getInputStream(), StandardCharsets.UTF_8));
                    StringBuilder statHead = new StringBuilder();
                    String line;
                    while ((line = sr.readLine()) != null && !line.startsWith("metrics ")) {
                        statHead.append(line).append('\n');
                    }
                    assertThat(line).as("stat --metrics printed its URL: " + statHead).isNotNull();
                    Output statRest = new Output(sr);
                    String statBody = get(metricsUrl(line));
                    assertThat(metric(statBody, "sluice_port_rx_packets_total", "instance=\"" + instance + "\",port=\"" + port + "\""))
                            .isPositive();
                    assertThat(metric(statBody, "sluice_up", "instance=\"" + instance + "\"")).isEqualTo(1);

                    // The live table ends by itself when fwd exits (Ctrl-C).
                    Commands.run("kill", "-INT", Long.toString(fwd.pid()));
                    assertThat(fwd.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(stat.waitFor(20, TimeUnit.SECONDS)).as("stat ends after fwd: " + statRest).isTrue();
                    statRest.thread.join(5000);
                    // the worker's busy time as a share of wall time, not 100 % idle while it forwards
                    assertThat(statRest.toString()).contains("rx_packets").containsPattern("worker worker=0 +busy_ns +[0-9,]+ +[0-9]+\\.[0-9]+ %")
                            .contains(instance + " (pid " + fwd.pid() + ") has exited");
                } finally {
                    stat.destroyForcibly();
                }
            } finally {
                if (fwd.isAlive()) {
                    Commands.run("kill", "-INT", Long.toString(fwd.pid()));
                    fwd.waitFor(60, TimeUnit.SECONDS);
                }
                fwd.destroyForcibly();
            }
            rest.thread.join(5000);
            assertThat(fwd.exitValue()).as(head + rest).isIn(0, 130); // 130: ended by SIGINT, as Ctrl-C does
            assertThat(CliSystemTest.summary(head + rest).get("rx_packets")).isNotEqualTo("0");

            // 4. fwd removed its file at exit; stat finds no instance and says where it looked.
            assertThat(counterFiles()).as("counters file left after fwd exited").isEmpty();
            Cli.Result none = Cli.run(env(), 60, "stat", "--once");
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err().strip()).isEqualTo("sluice: no running sluice instance (looked in " + runDir + ")");
        }
    }

    @Test
    void ctrlCRemovesTheCountersFileToo() throws Exception {
        try (NetnsPair box = NetnsPair.create("statint")) {
            Process fwd = new ProcessBuilder(Cli.command(inNetns(box.nsA), "fwd", "--iface", box.ifA, "--warmup-ms", "100",
                    "--metrics", "0")).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(fwd.getInputStream(), StandardCharsets.UTF_8));
            String head = readUntilAttached(r);
            Output rest = new Output(r);
            assertThat(counterFiles()).hasSize(1);
            Commands.run("kill", "-INT", Long.toString(fwd.pid()));
            assertThat(fwd.waitFor(30, TimeUnit.SECONDS)).isTrue();
            rest.thread.join(5000);
            assertThat(CliSystemTest.summary(head + rest)).containsKey("rx_packets");
            assertThat(counterFiles()).as("after Ctrl-C:\n" + head + rest).isEmpty();
        }
    }

    @Test
    void theFileOfAKilledFwdIsRemovedByStatWhichSaysSo() throws Exception {
        try (NetnsPair box = NetnsPair.create("statkill")) {
            Process fwd = new ProcessBuilder(Cli.command(inNetns(box.nsA), "fwd", "--iface", box.ifA, "--warmup-ms", "100"))
                    .redirectErrorStream(true).start();
            try {
                readUntilAttached(new BufferedReader(new InputStreamReader(fwd.getInputStream(), StandardCharsets.UTF_8)));
            } finally {
                fwd.destroyForcibly(); // SIGKILL: no shutdown hook, the file stays
                fwd.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(counterFiles()).hasSize(1);
            Path left = counterFiles().get(0);

            long heartbeat;
            try (CountersReader reader = CountersReader.open(left)) {
                heartbeat = reader.heartbeatOpaque();
            }
            // stat decides between the start and the end of its run: inside the stale window it keeps
            // the file, after it removes it; a run that straddles the window's end may do either.
            long before = System.currentTimeMillis();
            Cli.Result soon = Cli.run(env(), 60, "stat", "--once");
            long after = System.currentTimeMillis();
            assertThat(soon.exit()).isEqualTo(2);
            if (after < heartbeat + CountersDirectory.STALE_AFTER_MILLIS) {
                assertThat(soon.err()).contains("ignoring " + left + ": pid " + fwd.pid()).contains("is not running");
                assertThat(counterFiles()).containsExactly(left);
            } else if (before > heartbeat + CountersDirectory.STALE_AFTER_MILLIS) {
                assertThat(soon.err()).contains("removed " + left);
            }

            if (!soon.err().contains("removed " + left)) { // else that run straddled the window's end and removed it
                Await.until(() -> System.currentTimeMillis() > heartbeat + CountersDirectory.STALE_AFTER_MILLIS,
                        Duration.ofMillis(CountersDirectory.STALE_AFTER_MILLIS + 60_000), "the killed fwd's heartbeat to go stale");
                Cli.Result later = Cli.run(env(), 60, "stat", "--once");
                assertThat(later.exit()).isEqualTo(2);
                assertThat(later.err()).contains("removed " + left + ": pid " + fwd.pid() + " (fwd-" + box.ifA + ") is not running")
                        .contains("no running sluice instance");
            }
            assertThat(counterFiles()).isEmpty();
        }
    }

    @Test
    void severalInstancesAreListedToChooseFrom() throws Exception {
        try (CountersFile a = CountersFile.create(runDir, "test-a", "test a", 16);
             CountersFile b = CountersFile.create(runDir, "test-b", "test b", 16)) {
            a.allocate("worker", Labels.of("worker", "0"), CounterType.COUNTER, "busy_polls").set(0, 11);
            b.allocate("worker", Labels.of("worker", "0"), CounterType.COUNTER, "busy_polls").set(0, 22);

            Cli.Result both = Cli.run(env(), 60, "stat", "--once");
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.out()).contains("2 sluice instances are running").contains("test-a").contains("test-b")
                    .contains(Long.toString(ProcessHandle.current().pid()));
            assertThat(both.err().strip())
                    .isEqualTo("sluice: several sluice instances are running: choose one with --instance NAME or --pid N");

            Cli.Result chosen = Cli.run(env(), 60, "stat", "--once", "--instance", "test-b");
            assertThat(chosen.exit()).as(chosen.err()).isZero();
            assertThat(chosen.out()).isEqualTo("worker worker=0 busy_polls 22\n");

            Cli.Result unknown = Cli.run(env(), 60, "stat", "--once", "--instance", "nosuch");
            assertThat(unknown.err().strip()).isEqualTo("sluice: no running sluice instance named nosuch (looked in " + runDir + ")");
        }
    }

    @Test
    void statShowsTheCountersOfARunningGen() throws Exception {
        try (NetnsPair box = NetnsPair.create("statgen")) {
            Process gen = new ProcessBuilder(Cli.command(inNetns(box.nsA), "gen", "--iface", box.ifA, "--dst-mac", box.macB(),
                    "--rate", "2000", "--duration", "600")).redirectErrorStream(true).start(); // stopped below
            try {
                java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(gen.getInputStream()));
                String line;
                while ((line = r.readLine()) != null && !line.matches("\\s*1s.*")) {
                    // wait for the first live line: the sender has been running for a second
                }
                Cli.Result once = Cli.run(env(), 60, "stat", "--once", "--instance", "gen-" + box.ifA);
                assertThat(once.exit()).as(once.out() + once.err()).isZero();
                long tx = once.out().lines().filter(l -> l.startsWith("port port=afxdp:" + box.ifA + "/0 tx_packets "))
                        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
                assertThat(tx).as(once.out()).isPositive();
            } finally {
                gen.destroyForcibly();
                gen.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void statShowsThePortCountersOfTheMemoryAndAfPacketDrivers() throws Exception {
        // memory: the simulated kernel delivers packets on its own, no traffic needed
        Process memory = new ProcessBuilder(Cli.command(env(), "fwd", "--driver", "memory", "--mode", "macswap",
                "--duration", "20")).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(memory.getInputStream(), StandardCharsets.UTF_8));
            readUntilAttached(r);
            new Output(r);
            onceUntil(m -> m.getOrDefault("port port=sim/0 rx_packets", 0L) > 0 && m.getOrDefault("port port=sim/0 tx_packets", 0L) > 0);
        } finally {
            memory.destroyForcibly();
            memory.waitFor(10, TimeUnit.SECONDS);
        }
        // afpacket: real traffic over a veth
        try (NetnsPair box = NetnsPair.create("statpkt")) {
            box.staticNeighbours();
            Process fwd = new ProcessBuilder(Cli.command(inNetns(box.nsA), "fwd", "--driver", "afpacket", "--iface", box.ifA,
                    "--mode", "rxonly")).redirectErrorStream(true).start();
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(fwd.getInputStream(), StandardCharsets.UTF_8));
                readUntilAttached(r);
                new Output(r);
                try (UdpFlood sender = new UdpFlood(box.nsB, box.ipA, 9, 18, 0)) {
                    onceUntil(m -> m.getOrDefault("port port=afpacket:" + box.ifA + " rx_packets", 0L) > 0);
                }
            } finally {
                fwd.destroyForcibly();
                fwd.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void fwdWithMetricsOnAPortInUseSaysSoOnceAndExitsWithoutStarting() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String at = "127.0.0.1:" + taken.getLocalPort();
            Cli.Result r = Cli.run(env(), 60, "fwd", "--driver", "memory", "--duration", "20", "--metrics", at);
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).startsWith("sluice: cannot serve metrics on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .endsWith("(choose another --metrics port)");
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).doesNotContain("fwd "); // it never started forwarding
            assertThat(counterFiles()).isEmpty();
        }
        // That the stop hook does not wait for a session that never started: ForwardSessionStopTest.
    }

    /**
     * The pcap driver needs no privileges: a normal user runs it even after root has run sluice
     * (and so made root's run directory), because each user has a run directory of their own.
     */
    @Test
    void pcapRunsAsANormalUserInARunDirectoryOfTheirOwn() throws Exception {
        Path work = Files.createTempDirectory("sluice-user");
        long uid = 65534;
        Path userRunDir = Path.of("/dev/shm/sluice-" + uid);
        boolean hadUserRunDir = Files.exists(userRunDir);
        try {
            Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            Path in = work.resolve("in.pcap");
            try (dev.sluice.drivers.pcap.PcapWriter w = dev.sluice.drivers.pcap.PcapWriter.create(in,
                    dev.sluice.drivers.pcap.PcapWriter.Precision.MICROSECONDS)) {
                for (int i = 0; i < 100; i++) {
                    byte[] frame = new byte[60];
                    frame[12] = 0x08;
                    w.write(frame, 1_700_000_000_000_000_000L + i * 1000L);
                }
            }
            // root runs sluice first: its own run directory exists (as the old shared one did)
            try (CountersFile root = CountersFile.create(dev.sluice.counters.CountersDirectory.resolve(), "root-first", "test", 4)) {
                List<String> asUser = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                        "env", "-u", CountersDirectory.ENV, "-u", "XDG_RUNTIME_DIR", "HOME=" + work));
                Cli.Result r = runWithClasspathCopy(work, asUser, "fwd", "--driver", "pcap", "--in", in.toString(), "--out",
                        work.resolve("out.pcap").toString(), "--mode", "macswap");
                assertThat(r.exit()).as(r.out() + r.err()).isZero();
                assertThat(CliSystemTest.summary(r.out())).containsEntry("rx_packets", "100");
                assertThat(Files.isDirectory(userRunDir)).isTrue();
                assertThat(Files.getAttribute(userRunDir, "unix:uid")).isEqualTo((int) uid);
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(userRunDir)))
                        .isEqualTo("rwx------");

                // A run directory the user cannot write (set on purpose): one message, naming the path once.
                Path rootsDir = Files.createTempDirectory("sluice-roots");
                try {
                    List<String> intoRoots = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid,
                            "--clear-groups", "env", CountersDirectory.ENV + "=" + rootsDir, "HOME=" + work));
                    Cli.Result denied = runWithClasspathCopy(work, intoRoots, "fwd", "--driver", "pcap", "--in", in.toString(),
                            "--mode", "macswap");
                    assertThat(denied.exit()).as(denied.out() + denied.err()).isEqualTo(2);
                    assertThat(denied.err().strip()).startsWith("sluice: cannot create the counters file " + rootsDir + "/")
                            .contains(": the directory belongs to user id 0, not to this user (" + uid + "), and is not a sticky shared one");
                    assertThat(denied.err().split(Pattern.quote(rootsDir.toString()), -1)).as(denied.err()).hasSize(2);
                } finally {
                    Files.deleteIfExists(rootsDir);
                }
            }
        } finally {
            if (!hadUserRunDir) {
                try (Stream<Path> s = Files.walk(userRunDir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (java.nio.file.NoSuchFileException gone) {
                    // never made
                }
            }
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs the CLI with its classpath copied into {@code work} (readable by every user, unlike root's repository). */
    private static Cli.Result runWithClasspathCopy(Path work, List<String> prefix, String... args) throws Exception {
        Path cpDir = work.resolve("cp");
        List<String> entries = new ArrayList<>();
        if (!Files.isDirectory(cpDir)) {
            Files.createDirectories(cpDir);
        }
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(e);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = cpDir.resolve(n++ + "-" + from.getFileName());
            if (!Files.exists(to)) {
                try (Stream<Path> s = Files.walk(from)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Path target = to.resolve(from.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(p, Files.isDirectory(from) ? target : to);
                        }
                    }
                }
            }
            entries.add(to.toString());
        }
        try (Stream<Path> s = Files.walk(cpDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", String.join(java.io.File.pathSeparator, entries), "dev.sluice.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = work.resolve("cli.out");
        Path err = work.resolve("cli.err");
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sluice " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
