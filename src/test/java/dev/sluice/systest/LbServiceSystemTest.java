package dev.sluice.systest;

import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice lb} run exactly as {@code packaging/systemd/sluice-lb.service} runs it
 * ({@link ServiceUser}: a non-root user id, only the unit's capabilities, its memory-lock limit,
 * environment and a run directory of its own) forwards real HTTP through the VIP in DSR mode, is
 * found by {@code sluice stat}, and without any one of the five capabilities stops with exit code
 * 2 and a line naming the missing one. The unit itself passes {@code systemd-analyze verify} and
 * names exactly the capabilities these tests grant, so the two cannot drift apart.
 */
class LbServiceSystemTest {
    /** What the balancer needs (README, "Requirements"), as setpriv names them. */
    static final List<String> CAPABILITIES = List.of("net_raw", "net_admin", "bpf", "perfmon", "ipc_lock");

    private ServiceUnit unit;

    @BeforeEach
    void readUnit() throws Exception {
        unit = ServiceUnit.load();
    }

    @Test
    void unitGrantsExactlyTheCapabilitiesTheseTestsUseAndRunsLbFromItsRunDirectory() {
        assertThat(unit.capabilities("AmbientCapabilities")).containsExactlyInAnyOrderElementsOf(CAPABILITIES);
        assertThat(unit.capabilities("CapabilityBoundingSet")).containsExactlyInAnyOrderElementsOf(CAPABILITIES);
        assertThat(unit.value("User")).isNotEqualTo("root");
        assertThat(unit.value("ExecStart")).isEqualTo("/usr/local/bin/sluice lb --config /etc/sluice/lb.yaml");
        assertThat(unit.value("ExecReload")).isEqualTo("/bin/kill -HUP $MAINPID");
        assertThat(unit.value("Restart")).isEqualTo("on-failure");
        // sluice finds its counters file and admin socket through SLUICE_RUN_DIR: the directory systemd makes.
        assertThat(unit.environment()).containsEntry("SLUICE_RUN_DIR", "/run/" + unit.value("RuntimeDirectory"));
        assertThat(unit.value("RuntimeDirectoryMode")).isEqualTo("0700");
        assertThat(unit.limitMemlockBytes()).isPositive();
    }

    /**
     * systemd's own check of the unit: every key known, every value parsed, with nothing to say. The
     * copy checked runs the repository's launcher where the unit names the installed one, which
     * {@code systemd-analyze} requires to exist.
     */
    @Test
    void unitPassesSystemdAnalyzeVerify(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Privileged.requireTool("systemd-analyze", "checks the systemd unit with systemd's own parser");
        Path launcher = ServiceUnit.FILE.getParent().getParent().resolve("bin/sluice");
        assertThat(Files.isExecutable(launcher)).as(launcher + " executable").isTrue();
        String text = Files.readString(ServiceUnit.FILE);
        assertThat(text).contains("ExecStart=/usr/local/bin/sluice ");
        Path copy = Files.writeString(dir.resolve("sluice-lb.service"),
                text.replace("ExecStart=/usr/local/bin/sluice ", "ExecStart=" + launcher + " "));
        Process p = new ProcessBuilder("systemd-analyze", "verify", copy.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).as("systemd-analyze verify's remarks").isEmpty();
    }

    @Test
    void forwardsHttpAsTheUnitRunsIt() throws Exception {
        requireSandbox();
        // Two queues, as any real NIC has: the UMEM (8 MiB a queue) then exceeds the unit's memory-lock limit.
        try (LbSandbox box = LbSandbox.create("svc", 3, 2); ServiceUser user = ServiceUser.create(unit)) {
            box.startBackends();
            Path config = user.writeFile("lb.yaml", LbDsrSystemTest.dsrConfig(box));
            try (LbProcess lb = user.startLb(box.lbNs, box.lbIf, CAPABILITIES, "--config", config.toString()).awaitRunning()) {
                // The process is the JVM itself (each wrapper execs the next), as the unit's user with the five only.
                Map<String, String> status = procStatus(lb.pid());
                assertThat(status.get("Uid").split("\\s+")).as("real, effective, saved, fs user ids").containsOnly(Long.toString(user.uid));
                assertThat(status.get("Groups")).as("supplementary groups").isEmpty();
                assertThat(status.get("CapEff")).as("effective capabilities").isEqualTo(capabilityMask(CAPABILITIES));
                assertThat(status.get("CapBnd")).as("bounding set").isEqualTo(capabilityMask(CAPABILITIES));

                LbDsrSystemTest.assertSpreadByWeight(LbDsrSystemTest.requests(box, "http://" + LbSandbox.VIP4 + "/who", lb), lb);
                LbDsrSystemTest.assertSpreadByWeight(LbDsrSystemTest.requests(box, "http://[" + LbSandbox.VIP6 + "]/who", lb), lb);

                // An operator (root) finds it through the unit's run directory.
                Cli.Result stat = Cli.run(List.of("env", "SLUICE_RUN_DIR=" + user.runDir), 60, "stat", "--once", "--pid", Long.toString(lb.pid()));
                assertThat(stat.exit()).as(stat.out() + stat.err()).isZero();
                assertThat(stat.out()).contains("afxdp:" + box.lbIf + "/0").contains("afxdp:" + box.lbIf + "/1");

                // systemctl reload: SIGHUP from root to the service's user, the outcome in its log.
                lb.hangUp();
                lb.awaitLine(Duration.ofSeconds(60), "reload: ", "applied");
                // sluice lb status by root through the unit's run directory (the socket is the service user's, mode 0600).
                Cli.Result lbStatus = lb.admin("status");
                assertThat(lbStatus.exit()).as(lbStatus.out() + lbStatus.err()).isZero();
                assertThat(lbStatus.out()).contains("web4").contains(LbSandbox.backend4(3));

                // systemctl stop: SIGTERM, and the exit code the unit counts as success.
                assertThat(Integer.toString(lb.terminate())).as(lb.output()).isEqualTo(unit.value("SuccessExitStatus"));
                assertThat(lb.summary()).containsEntry("queues", "2");
            }
            assertThat(box.xdpAttached()).as("program detached").isFalse();
        }
    }

    static List<String> capabilities() {
        return CAPABILITIES;
    }

    /** Without {@code missing}, and the other four, {@code sluice lb} says which one it lacks, exit 2, and attaches nothing. */
    @ParameterizedTest(name = "without {0}")
    @MethodSource("capabilities")
    void withoutOneCapabilityStopsNamingIt(String missing) throws Exception {
        requireSandbox();
        try (LbSandbox box = LbSandbox.create("svccap", 0, 2); ServiceUser user = ServiceUser.create(unit)) {
            Path config = user.writeFile("lb.yaml", """
                    interface: %s
                    vips:
                      - name: web
                        address: %s
                        port: 80
                        backends:
                          - {address: %s, mac: "02:00:00:00:00:02"}
                    """.formatted(box.lbIf, LbSandbox.VIP4, LbSandbox.backend4(1)));
            List<String> fewer = CAPABILITIES.stream().filter(c -> !c.equals(missing)).toList();
            Cli.Result r = user.run(box.lbNs, fewer, 90, "lb", "--config", config.toString(), "--duration", "1");
            String name = "CAP_" + missing.toUpperCase(Locale.ROOT);
            assertThat(r.exit()).as("exit code without " + name + ": " + r.out() + r.err()).isEqualTo(2);
            assertThat(r.err()).as("without " + name).contains(name).doesNotContain("\tat ").doesNotContain("Exception");
            assertThat(r.err().strip().lines().filter(l -> l.contains(name)).count()).as(r.err()).isEqualTo(1);
            assertThat(box.xdpAttached()).as("nothing attached without " + name).isFalse();
        }
    }

    private static void requireSandbox() {
        Privileged.requireNamespaces("runs a balancer, a client and backends in network namespaces");
        for (String tool : List.of("setpriv", "prlimit", "curl", "python3", "ethtool")) {
            Privileged.requireTool(tool, "runs the balancer as the systemd unit does and HTTP through it");
        }
    }

    /** {@code /proc/PID/status} as a map: "Uid" -> "1 1 1 1". */
    private static Map<String, String> procStatus(long pid) throws Exception {
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            m.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return m;
    }

    /** The mask /proc shows for {@code caps} (16 hex digits). */
    private static String capabilityMask(List<String> caps) {
        long mask = 0;
        for (String c : caps) {
            mask |= 1L << switch (c) {
                case "net_admin" -> Privileges.CAP_NET_ADMIN;
                case "net_raw" -> Privileges.CAP_NET_RAW;
                case "ipc_lock" -> Privileges.CAP_IPC_LOCK;
                case "perfmon" -> Privileges.CAP_PERFMON;
                case "bpf" -> Privileges.CAP_BPF;
                default -> throw new IllegalArgumentException(c);
            };
        }
        return String.format("%016x", mask);
    }
}
