package dev.sluice.systest;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice demo} as a new user runs it: the load balancer in front of three HTTP backends in
 * a network of namespaces, a backend stopped midway, the summary and per-backend lines, exit code 0
 * (requests failed only while the balancer detected the stop), and nothing of it left afterwards
 * (no namespace, no process, no counters file, no directory), after Ctrl-C too. Without privileges
 * it is one line; {@code --udp} is still the AF_XDP UDP demonstration.
 */
class DemoSystemTest {
    private static final Pattern SUMMARY = Pattern.compile("summary requests=(\\d+) ok=(\\d+) failed=(\\d+)");
    private static final Pattern BACKEND = Pattern.compile("backend (b\\d) (10\\.0\\.1\\.\\d+) requests=(\\d+)");

    private static void requireSandbox() {
        Privileged.requireNamespaces("the demo builds a network of namespaces");
        for (String tool : List.of("curl", "python3", "ethtool")) {
            Privileged.requireTool(tool, "the demo's client and backends");
        }
    }

    /** The demo as a process: its output (stdout and stderr merged) read as it comes, and every process it started. */
    private static final class Demo implements AutoCloseable {
        final Process process;
        private final OutputLines lines;
        private final Set<ProcessHandle> children = new HashSet<>();

        Demo(String... args) throws IOException {
            process = new ProcessBuilder(Cli.command(List.of(), args)).redirectErrorStream(true).start();
            lines = new OutputLines(process, "demo-output");
        }

        String output() {
            return lines.text();
        }

        void awaitLine(String regex, Duration within) {
            Pattern p = Pattern.compile(regex);
            Await.until(() -> output().lines().anyMatch(l -> p.matcher(l).find()) || !process.isAlive(), within,
                    () -> "a line matching " + regex + " from sluice demo; so far:\n" + output());
            assertThat(output().lines().anyMatch(l -> p.matcher(l).find())).as(output()).isTrue();
        }

        /** Notes every process the demo runs now (the backends' servers, the balancer, curl). */
        void noteChildren() {
            process.descendants().forEach(children::add);
        }

        int awaitExit(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("sluice demo did not end within " + seconds + " s:\n" + output());
            }
            lines.awaitEnd(5000);
            return process.exitValue();
        }

        /** Nothing the demo made remains: namespaces, processes, the balancer's counters file, its directory. */
        void assertNothingLeft() throws IOException {
            String prefix = "sluice-demo-" + process.pid() + "-";
            assertThat(Commands.run("ip", "netns", "list").lines().filter(l -> l.startsWith(prefix)).toList())
                    .as("namespaces left by the demo").isEmpty();
            assertThat(children).as("processes the demo started").isNotEmpty();
            assertThat(children.stream().filter(ProcessHandle::isAlive).map(h -> h.pid() + " " + h.info().commandLine().orElse(""))
                    .toList()).as("processes of the demo still running").isEmpty();
            try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                assertThat(tmp.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()).as("directories left").isEmpty();
            }
            try (Stream<Path> files = Files.list(CountersDirectory.resolve())) {
                Set<Long> pids = new HashSet<>();
                children.forEach(h -> pids.add(h.pid()));
                assertThat(files.filter(f -> pids.stream().anyMatch(pid -> f.getFileName().toString().startsWith(pid + "-"))).toList())
                        .as("counters files of the demo's balancer").isEmpty();
            } catch (NoSuchFileException noDirectory) {
                // no counters file at all
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void theLoadBalancerDemoFailsOverAndEndsWithItsSummary() throws Exception {
        requireSandbox();
        try (Demo demo = new Demo("demo", "--duration", "20")) {
            demo.awaitLine("^\\s+1s\\s", Duration.ofSeconds(120));
            demo.noteChildren();
            demo.awaitLine("demo: stopped b2's HTTP server", Duration.ofSeconds(60));
            demo.awaitLine("demo: started b2's HTTP server again", Duration.ofSeconds(60));
            demo.noteChildren();
            int exit = demo.awaitExit(120);
            String out = demo.output();
            assertThat(exit).as(out).isZero();
            assertThat(out).contains("the balancer took b2 out").contains("demo: network removed");

            List<String> summaries = out.lines().filter(l -> l.startsWith("summary ")).toList();
            assertThat(summaries).as(out).hasSize(1);
            Matcher s = SUMMARY.matcher(summaries.getFirst());
            assertThat(s.matches()).as(summaries.getFirst()).isTrue();
            long requests = Long.parseLong(s.group(1));
            long ok = Long.parseLong(s.group(2));
            long failed = Long.parseLong(s.group(3));
            assertThat(requests).as(out).isEqualTo(ok + failed).isGreaterThan(100);

            Map<String, Long> answered = new TreeMap<>();
            for (String line : out.lines().filter(l -> l.startsWith("backend ")).toList()) {
                Matcher b = BACKEND.matcher(line);
                assertThat(b.matches()).as(line).isTrue();
                answered.put(b.group(1), Long.parseLong(b.group(3)));
            }
            assertThat(answered.keySet()).containsExactly("b1", "b2", "b3");
            assertThat(answered.values()).as(out).allSatisfy(n -> assertThat(n).isPositive());
            assertThat(answered.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(ok);
            demo.assertNothingLeft();
        }
    }

    /**
     * A short soak: the second backend stopped twice, the configuration reloaded every 4 s, a slow
     * download always running. Failures only in detection windows, every reload applied, no
     * download from a running backend broken, every frame accounted for, and the counters file
     * using no more records at the end than after its first second.
     */
    @Test
    void aShortSoakLosesNothingToReloadsAndOnlyDetectionToFlaps() throws Exception {
        requireSandbox();
        try (Demo demo = new Demo("demo", "--duration", "30", "--flap-every", "12", "--reload-every", "4", "--downloads", "1")) {
            demo.awaitLine("^\\s+1s\\s", Duration.ofSeconds(120));
            demo.noteChildren();
            int exit = demo.awaitExit(150);
            String out = demo.output();
            assertThat(exit).as(out).isZero();
            Map<String, String> soak = soakFields(out);
            assertThat(soak.get("stops")).as(out).isEqualTo("2");
            assertThat(soak.get("reloads_sent")).as(out).isEqualTo("7");
            assertThat(soak.get("reloads_applied")).as(out).isEqualTo("7");
            assertThat(soak.get("reloads_refused")).isEqualTo("0");
            assertThat(soak.get("outside_detection")).isEqualTo("0");
            assertThat(soak.get("detections")).as(out).isEqualTo("2");
            assertThat(soak.get("undetected")).isEqualTo("0");
            assertThat(soak.get("broken")).isEqualTo("0");
            assertThat(soak.get("resets")).isEqualTo("0");
            assertThat(Long.parseLong(soak.get("complete"))).as(out).isPositive();
            assertThat(Long.parseLong(soak.get("rx"))).as(out).isPositive();
            assertThat(soak.get("unaccounted")).as(out).isEqualTo("0");
            assertThat(soak.get("records_after")).as(out).isEqualTo(soak.get("records_before"));
            demo.assertNothingLeft();
        }
    }

    /** Every key=value of the {@code soak ...} lines. */
    private static Map<String, String> soakFields(String out) {
        Map<String, String> fields = new HashMap<>();
        out.lines().filter(l -> l.startsWith("soak ")).forEach(l -> {
            for (String kv : l.substring(5).split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    fields.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        });
        assertThat(fields).as(out).containsKeys("stops", "reloads_applied", "outside_detection", "broken", "rx", "records_after");
        return fields;
    }

    @Test
    void ctrlCEndsTheDemoAndRemovesEverything() throws Exception {
        requireSandbox();
        try (Demo demo = new Demo("demo", "--duration", "300")) {
            demo.awaitLine("^\\s+2s\\s", Duration.ofSeconds(120));
            demo.noteChildren();
            Commands.run("kill", "-INT", Long.toString(demo.process.pid()));
            int exit = demo.awaitExit(90);
            assertThat(exit).as(demo.output()).isEqualTo(130);
            assertThat(demo.output()).contains("demo: network removed");
            demo.assertNothingLeft();
        }
    }

    @Test
    void aBalancerThatDiesHalfWayEndsTheDemoWithExitCode1AndNothingLeft() throws Exception {
        requireSandbox();
        try (Demo demo = new Demo("demo", "--duration", "300")) {
            demo.awaitLine("^\\s+2s\\s", Duration.ofSeconds(120));
            demo.noteChildren();
            ProcessHandle lb = demo.process.descendants()
                    .filter(h -> h.info().commandLine().orElse("").matches(".*dev\\.sluice\\.cli\\.Main lb .*"))
                    .findFirst().orElseThrow(() -> new AssertionError("no sluice lb among the demo's processes"));
            Commands.run("kill", "-KILL", Long.toString(lb.pid()));
            int exit = demo.awaitExit(90);
            assertThat(exit).as(demo.output()).isEqualTo(1);
            assertThat(demo.output()).contains("demo: FAILED: sluice lb ended during the run").contains("demo: network removed");
            demo.assertNothingLeft();
        }
    }

    @Test
    void withoutPrivilegesEitherDemoIsOneLineSayingWhatItNeeds() throws Exception {
        // Root's uid without root's capabilities: what a user without sudo has.
        List<String> noCaps = List.of("setpriv", "--inh-caps=-all", "--bounding-set=-all");
        for (String[] args : List.of(new String[] {"demo", "--duration", "5"}, new String[] {"demo", "--udp", "--duration", "1"})) {
            Cli.Result r = Cli.run(noCaps, 60, args);
            CliMistakesTest.assertOneClearLine(r, "sluice demo needs root", "CAP_SYS_ADMIN", "run it with sudo");
            assertThat(r.out()).doesNotContain("demo:").doesNotContain("sandbox");
        }
    }

    @Test
    void theLoadBalancerDemoRefusesItsMistakesBeforeBuildingAnything() throws Exception {
        CliMistakesTest.assertOneClearLine(Cli.run(List.of(), 60, "demo", "--mode", "io"), "--mode belongs to --udp");
        CliMistakesTest.assertOneClearLine(Cli.run(List.of(), 60, "demo", "--udp", "--flap-every", "10"),
                "--flap-every belongs to the load-balancer demo");
        CliMistakesTest.assertOneClearLine(Cli.run(List.of(), 60, "demo", "--flap-every", "3"),
                "--flap-every must be 0 (off) or at least 8 seconds");
        CliMistakesTest.assertOneClearLine(Cli.run(List.of(), 60, "demo", "--rate", "0"), "--rate must be in 1..200, not 0");
        CliMistakesTest.assertOneClearLine(Cli.run(List.of(), 60, "demo", "--duration", "0"), "--duration must be more than 0");
    }

    @Test
    void aSandboxThatCannotBeBuiltIsOneLineForEitherDemo() throws Exception {
        requireSandbox();
        // Root, but no namespace can be created: /run/netns read-only in a mount namespace of its own.
        List<String> readOnlyNetns = List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mkdir -p /run/netns && mount -t tmpfs -o ro none /run/netns && exec \"$@\"", "sh");
        for (String[] args : List.of(new String[] {"demo", "--duration", "5"}, new String[] {"demo", "--udp", "--duration", "1"})) {
            Cli.Result r = Cli.run(readOnlyNetns, 60, args);
            CliMistakesTest.assertOneClearLine(r, "cannot create the network namespace",
                    "a sandbox needs root, network namespaces and iproute2", "Read-only file system");
        }
    }

    @Test
    void theUdpDemoStillShowsAfXdpReceiving() throws Exception {
        Privileged.requireAfXdp("the UDP demo attaches an AF_XDP socket in its sandbox");
        Cli.Result r = Cli.run(List.of(), 120, "demo", "--udp", "--duration", "3");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Map<String, String> s = CliSystemTest.summary(r.out());
        assertThat(Long.parseLong(s.get("rx_packets"))).as(r.out()).isPositive();
        assertThat(r.out()).contains("sandbox: ").contains("demo: sandbox removed");
    }
}
