package dev.sluice.systest;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice lb status|reload|drain|undrain} and SIGHUP against running balancers
 * ({@link LbProcess}: a run directory of the test's own), in the DSR sandbox with real HTTP: what
 * status shows, a reload applied and one refused while the old configuration keeps forwarding,
 * drains, two instances told apart, and the socket a {@code kill -9} leaves cleaned up.
 */
class LbAdminSystemTest {
    @TempDir
    Path runDir;

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    /** VIP web4 over the given backends ("N" or "N:WEIGHT", N the backend number); {@code port} as written. */
    private static String config(LbSandbox box, String port, String... backends) {
        StringBuilder sb = new StringBuilder("""
                interface: %s
                vips:
                  - name: web4
                    address: %s
                    protocol: tcp
                    port: %s
                    forwarding: dsr
                    backends:
                """.formatted(box.lbIf, LbSandbox.VIP4, port));
        for (String b : backends) {
            String[] nw = b.split(":");
            sb.append("      - {address: ").append(LbSandbox.backend4(Integer.parseInt(nw[0])))
                    .append(", weight: ").append(nw.length > 1 ? nw[1] : "1").append("}\n");
        }
        return sb.toString();
    }

    private static Path write(Path file, String text) throws Exception {
        Files.writeString(file, text);
        return file;
    }

    @Test
    void statusReloadDrainAndSighupAgainstARunningBalancer() throws Exception {
        try (LbSandbox box = LbSandbox.create("adm", 3)) {
            box.startBackends();
            Path first = write(box.dir().resolve("lb.yaml"), config(box, "80", "1", "2"));
            try (LbProcess lb = LbProcess.start(runDir, box.lbNs, box.lbIf, "--config", first.toString()).awaitServing()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lb.socket()))).isEqualTo("rw-------");

                Cli.Result status = ok(lb, "status");
                assertThat(status.out()).contains("lb " + box.lbIf).contains("pid " + lb.pid()).contains("VIP web4")
                        .contains(LbSandbox.VIP4 + " tcp/80").contains(first.toString());
                assertThat(backendRow(status, 1)).isNotNull();
                assertThat(backendRow(status, 2)).isNotNull();
                assertThat(backendRow(status, 3)).isNull();
                assertForwards(box, lb, "b1", "b2");

                // A valid change: applied, and status shows it.
                Path changed = write(box.dir().resolve("changed.yaml"), config(box, "80", "1", "2:3", "3"));
                // Relative to where the command runs, not to where the balancer runs.
                Path relative = Path.of("").toAbsolutePath().relativize(changed);
                assertThat(relative.isAbsolute()).isFalse();
                Cli.Result applied = ok(lb, "reload", "--config", relative.toString());
                assertThat(applied.out()).contains("applied");
                status = ok(lb, "status");
                assertThat(backendRow(status, 3)).as(status.out()).isNotNull();
                assertThat(backendRow(status, 2).group(1)).as(status.out()).isEqualTo("3");
                assertForwards(box, lb, "b1", "b2", "b3");

                // An invalid one: refused with the loader's line, the running configuration untouched.
                Path broken = write(box.dir().resolve("broken.yaml"), config(box, "eighty", "1"));
                Cli.Result refused = lb.adminWithoutInstance("reload", "--config", broken.toString());
                assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(2);
                assertThat(refused.err()).startsWith("sluice: " + broken + ":6:11: vips[0].port");
                assertThat(refused.err()).doesNotContain("Exception").doesNotContain("\tat ");
                assertThat(backendRow(ok(lb, "status"), 3)).isNotNull();
                assertForwards(box, lb, "b1", "b2", "b3");

                // Drain and undrain.
                assertThat(ok(lb, "drain", LbSandbox.backend4(1)).out()).isNotBlank();
                Matcher drained = backendRow(ok(lb, "status"), 1);
                assertThat(drained.group(4)).isEqualTo("yes");
                assertThat(drained.group(2)).as("effective weight of a drained backend").isEqualTo("0");
                assertForwards(box, lb, "b2", "b3");
                ok(lb, "undrain", LbSandbox.backend4(1));
                assertThat(backendRow(ok(lb, "status"), 1).group(4)).isEqualTo("no");
                Cli.Result unknown = lb.adminWithoutInstance("drain", "10.7.0.99");
                assertThat(unknown.exit()).as(unknown.out() + unknown.err()).isEqualTo(2);
                assertThat(unknown.err()).contains("10.7.0.99").doesNotContain("Exception");
                Cli.Result notAnAddress = lb.adminWithoutInstance("drain", "backend-one");
                assertThat(notAnAddress.exit()).isEqualTo(2);
                assertThat(notAnAddress.err()).contains("'backend-one' is not an IP address");

                // reload without --config reads the file the balancer runs again.
                Path running = configShown(ok(lb, "status"));
                write(running, config(box, "80", "1", "2"));
                ok(lb, "reload");
                assertThat(backendRow(ok(lb, "status"), 3)).isNull();

                // SIGHUP does the same; the outcome is one line in its log.
                write(running, config(box, "80", "1", "2", "3"));
                lb.signal("HUP");
                Await.until(() -> lb.output().contains("sluice lb: reload: applied"), Duration.ofSeconds(60),
                        () -> "the SIGHUP reload logged; output:\n" + lb.output());
                assertThat(backendRow(ok(lb, "status"), 3)).isNotNull();
                write(running, config(box, "eighty", "1"));
                lb.signal("HUP");
                Await.until(() -> lb.output().contains("sluice lb: reload refused: " + running + ":6:11: vips[0].port"),
                        Duration.ofSeconds(60), () -> "the refused SIGHUP reload logged; output:\n" + lb.output());
                assertThat(backendRow(ok(lb, "status"), 3)).isNotNull();
                assertForwards(box, lb, "b1", "b2", "b3");

                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
                assertThat(lb.socket()).as("socket removed at exit").doesNotExist();
                assertThat(lb.countersFile()).doesNotExist();
            }
        }
    }

    @Test
    void twoBalancersOnTwoInterfacesAreToldApart() throws Exception {
        try (LbSandbox boxA = LbSandbox.create("adma", 1); LbSandbox boxB = LbSandbox.create("admb", 1)) {
            Path configA = write(boxA.dir().resolve("a.yaml"), config(boxA, "80", "1"));
            Path configB = write(boxB.dir().resolve("b.yaml"), config(boxB, "80", "1"));
            try (LbProcess a = LbProcess.start(runDir, boxA.lbNs, boxA.lbIf, "--config", configA.toString());
                 LbProcess b = LbProcess.start(runDir, boxB.lbNs, boxB.lbIf, "--config", configB.toString())) {
                a.awaitServing();
                b.awaitServing();
                Cli.Result which = a.adminWithoutInstance("status");
                assertThat(which.exit()).as(which.out() + which.err()).isEqualTo(2);
                assertThat(which.err()).startsWith("sluice: 2 sluice lb instances are running: choose one with --instance PID|NAME")
                        .contains(a.instance()).contains(b.instance())
                        .contains(Long.toString(a.pid())).contains(Long.toString(b.pid()));
                assertThat(which.out()).isEmpty();

                assertThat(ok(a, "status", "--instance", boxA.lbIf).out()).startsWith("lb " + boxA.lbIf + " ");
                assertThat(ok(a, "status", "--instance", Long.toString(b.pid())).out()).startsWith("lb " + boxB.lbIf + " ");
                assertThat(ok(a, "status", "--instance", b.instance()).out()).startsWith("lb " + boxB.lbIf + " ");

                ok(a, "drain", LbSandbox.backend4(1), "--instance", a.instance());
                assertThat(backendRow(ok(a, "status", "--instance", a.instance()), 1).group(4)).isEqualTo("yes");
                assertThat(backendRow(ok(a, "status", "--instance", b.instance()), 1).group(4)).isEqualTo("no");

                Cli.Result none = a.adminWithoutInstance("status", "--instance", "nosuchif9");
                assertThat(none.exit()).isEqualTo(2);
                assertThat(none.err()).startsWith("sluice: no running sluice lb instance matching --instance nosuchif9");
            }
        }
    }

    @Test
    void theSocketAKilledBalancerLeavesIsCleanedUpAndDoesNotStopTheNext() throws Exception {
        try (LbSandbox box = LbSandbox.create("adms", 1)) {
            Path config = write(box.dir().resolve("lb.yaml"), config(box, "80", "1"));
            Path leftSocket;
            Path leftCounters;
            try (LbProcess dead = LbProcess.start(runDir, box.lbNs, box.lbIf, "--config", config.toString()).awaitServing()) {
                dead.killHard();
                leftSocket = dead.socket();
                leftCounters = dead.countersFile();
                assertThat(leftSocket).as("kill -9 leaves the socket").exists();

                // Not running: never asked, whether or not its files are old enough to go yet.
                Cli.Result gone = dead.adminWithoutInstance("status");
                assertThat(gone.exit()).as(gone.out() + gone.err()).isEqualTo(2);
                assertThat(gone.err()).contains("no running sluice lb instance");
                // Once its heartbeat is old, the next discovery removes both files and says so.
                Await.until(() -> {
                    try {
                        Cli.Result r = dead.adminWithoutInstance("status");
                        return r.exit() == 2 && !Files.exists(leftSocket) && !Files.exists(leftCounters);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, Duration.ofSeconds(90), "the stale socket and counters file removed by 'sluice lb status'");
            }
            try (LbProcess next = LbProcess.start(runDir, box.lbNs, box.lbIf, "--config", config.toString()).awaitServing()) {
                assertThat(ok(next, "status").out()).startsWith("lb " + box.lbIf + " ");
            }
        }
    }

    private static Cli.Result ok(LbProcess lb, String... args) throws Exception {
        Cli.Result r = lb.adminWithoutInstance(args);
        assertThat(r.exit()).as("sluice lb " + String.join(" ", args) + "\nstdout: " + r.out() + "\nstderr: " + r.err()
                + "\nbalancer:\n" + lb.output()).isZero();
        return r;
    }

    /**
     * The status row of backend {@code n}: groups weight, effective weight, health, drained; null
     * when it is not listed.
     */
    private static Matcher backendRow(Cli.Result status, int n) {
        Pattern row = Pattern.compile("(?m)^\\s+" + Pattern.quote(LbSandbox.backend4(n))
                + "\\s+(\\d+)\\s+(\\d+)\\s+(\\S+(?: \\(no MAC\\))?)\\s+(yes|no)\\s");
        Matcher m = row.matcher(status.out());
        return m.find() ? m : null;
    }

    private static Path configShown(Cli.Result status) {
        Matcher m = Pattern.compile("(?m)^config (\\S+)  loaded").matcher(status.out());
        assertThat(m.find()).as(status.out()).isTrue();
        return Path.of(m.group(1));
    }

    /** 30 requests through the VIP: every one answered, by exactly the backends named (each at least once). */
    private static void assertForwards(LbSandbox box, LbProcess lb, String... backends) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--max-time", "10", "-w", "|%{http_code}\\n"));
        for (int i = 0; i < 30; i++) {
            cmd.add("http://" + LbSandbox.VIP4 + "/who");
        }
        String out;
        try {
            out = box.exec(box.clientNs, cmd.toArray(String[]::new));
        } catch (IllegalStateException e) {
            throw new AssertionError("curl through the VIP failed: " + e.getMessage() + "\nbalancer:\n" + lb.output(), e);
        }
        List<String> who = out.lines().filter(l -> !l.startsWith("|")).toList();
        assertThat(out.lines().filter(l -> l.equals("|200")).count()).as(out + "\nbalancer:\n" + lb.output()).isEqualTo(30);
        assertThat(who).as(out).hasSize(30).allMatch(w -> List.of(backends).contains(w));
        assertThat(who.stream().distinct().count()).as("backends answering: " + who).isEqualTo(backends.length);
    }
}
