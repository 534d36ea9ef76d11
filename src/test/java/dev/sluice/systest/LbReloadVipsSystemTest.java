package dev.sluice.systest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reloads that add and remove VIPs on a running {@code sluice lb} (DSR sandbox, real TCP): an added
 * VIP is steered and served as soon as the reload says "applied"; a removed one is handed back to
 * the kernel (which does not own it: its connections go nowhere) while the VIP that stays keeps
 * serving; the reply names exactly what changed.
 */
class LbReloadVipsSystemTest {
    private static final int ECHO_PORT = 9000;

    @TempDir
    Path runDir;

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    /** VIP "web" (HTTP, port 80) and/or VIP "echo" (port 9000), each over backends 1 and 2. */
    static String config(LbSandbox box, boolean web, boolean echo) {
        StringBuilder sb = new StringBuilder("interface: " + box.lbIf + "\nvips:\n");
        if (web) {
            sb.append(vip("web", 80));
        }
        if (echo) {
            sb.append(vip("echo", ECHO_PORT));
        }
        return sb.toString();
    }

    private static String vip(String name, int port) {
        return """
                  - name: %s
                    address: %s
                    protocol: tcp
                    port: %d
                    forwarding: dsr
                    backends:
                      - {address: %s}
                      - {address: %s}
                """.formatted(name, LbSandbox.VIP4, port, LbSandbox.backend4(1), LbSandbox.backend4(2));
    }

    private static Cli.Result ok(LbProcess lb, String... args) throws Exception {
        Cli.Result r = lb.adminWithoutInstance(args);
        assertThat(r.exit()).as("sluice lb " + String.join(" ", args) + "\nstdout: " + r.out() + "\nstderr: " + r.err()
                + "\nbalancer:\n" + lb.output()).isZero();
        return r;
    }

    /** 20 HTTP requests to the web VIP: all answered by backends b1 and b2. */
    private static void webServes(LbSandbox box, LbProcess lb) {
        String out = box.exec(box.clientNs, "sh", "-c", "for i in $(seq 20); do curl -s --max-time 10 http://"
                + LbSandbox.VIP4 + "/who; echo; done");
        List<String> who = out.lines().filter(l -> !l.isBlank()).toList();
        assertThat(who).as(out + "\nbalancer:\n" + lb.output()).hasSize(20).allMatch(w -> w.equals("b1") || w.equals("b2"));
    }

    @Test
    void anAddedVipIsServedAtOnceAndARemovedOneGoesBackToTheKernel() throws Exception {
        try (LbSandbox box = LbSandbox.create("rvip", 2)) {
            box.startBackends();
            EchoServer e1 = EchoServer.start(box.backendNs.get(0), "b1", ECHO_PORT);
            EchoServer e2 = EchoServer.start(box.backendNs.get(1), "b2", ECHO_PORT);
            try {
                Path file = box.dir().resolve("lb.yaml");
                Files.writeString(file, config(box, true, false));
                try (LbProcess lb = LbProcess.start(runDir, box.lbNs, box.lbIf, "--config", file.toString()).awaitServing()) {
                    webServes(box, lb);

                    Files.writeString(file, config(box, true, true));
                    Cli.Result added = ok(lb, "reload");
                    assertThat(added.out()).contains("applied " + file + ": 2 VIPs, 4 backends (+vip echo)");
                    // no wait: "applied" means steered and published
                    Map<String, Integer> echo = EchoStream.probes(box.clientNs, LbSandbox.VIP4, ECHO_PORT, 20);
                    assertThat(echo).as(lb.output()).containsOnlyKeys("b1", "b2");
                    webServes(box, lb);

                    Files.writeString(file, config(box, false, true));
                    Cli.Result removed = ok(lb, "reload");
                    assertThat(removed.out()).contains("applied " + file + ": 1 VIP, 2 backends (-vip web)");
                    assertThat(ok(lb, "status").out()).doesNotContain("VIP web ").contains("VIP echo");
                    // The kernel of the balancer's namespace gets web's packets now: it does not own the VIP.
                    assertThatThrownBy(() -> box.exec(box.clientNs, "curl", "-s", "--max-time", "3",
                            "http://" + LbSandbox.VIP4 + "/who")).as("nothing answers the removed VIP")
                            .isInstanceOf(IllegalStateException.class);
                    assertThat(EchoStream.probes(box.clientNs, LbSandbox.VIP4, ECHO_PORT, 20)).as(lb.output())
                            .containsOnlyKeys("b1", "b2");

                    // and back
                    Files.writeString(file, config(box, true, true));
                    assertThat(ok(lb, "reload").out()).contains("(+vip web)");
                    webServes(box, lb);
                }
            } finally {
                e1.close();
                e2.close();
            }
        }
    }
}
