package dev.sluice.systest;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end, real TCP: curl on a client reaches three python {@code http.server} backends through
 * {@code sluice lb} in L2 direct-server-return mode ({@link LbSandbox}), over an IPv4 and an IPv6
 * VIP. Every request succeeds, requests spread by weight (1:1:2), and the balancer ends cleanly on
 * Ctrl-C with nothing left attached.
 */
class LbDsrSystemTest {
    private static final int REQUESTS = 200;

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    /** VIPs web4 and web6 on port 80 (DSR) over backends 1, 2 and 3, weights 1:1:2. */
    static String dsrConfig(LbSandbox box) {
        Map<Integer, Integer> backends = LbSandbox.weights(1, 1, 2, 1, 3, 2);
        return box.config(LbSandbox.dsrVip("web4", LbSandbox.VIP4, 80, backends), LbSandbox.dsrVip("web6", LbSandbox.VIP6, 80, backends));
    }

    @Test
    void curlReachesEveryBackendThroughIpv4AndIpv6VipsSpreadByWeight() throws Exception {
        try (LbSandbox box = LbSandbox.create("dsr", 3)) {
            box.startBackends();
            try (LbProcess lb = box.startBalancer(dsrConfig(box))) {
                assertThat(box.xdpAttached()).as("attached while running").isTrue();
                Map<String, Integer> v4 = requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
                Map<String, Integer> v6 = requests(box, "http://[" + LbSandbox.VIP6 + "]/who", lb);
                assertSpreadByWeight(v4, lb);
                assertSpreadByWeight(v6, lb);
                // The balancer answers echo requests to its VIPs itself.
                box.exec(box.clientNs, "ping", "-c", "3", "-i", "0.2", "-W", "5", LbSandbox.VIP4);
                box.exec(box.clientNs, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "5", LbSandbox.VIP6);
                // SIGINT ends the JVM with 130 (128 + 2) once the shutdown hook has let the summary out
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
                Map<String, String> s = lb.summary();
                assertThat(s).containsKeys("rx_packets", "tx_packets", "xdp", "workers", "queues");
                assertThat(Long.parseLong(s.get("icmp_echo"))).as(lb.output()).isGreaterThanOrEqualTo(6);
                // One new flow per connection (a SYN), a few more if a busy machine made a client retransmit a SYN.
                assertThat(Long.parseLong(s.get("new_flows"))).as(lb.output()).isBetween(2L * REQUESTS, 2L * REQUESTS + REQUESTS / 10);
                // Each request is at least a SYN, an ACK with the request and a FIN from the client.
                assertThat(Long.parseLong(s.get("tx_packets"))).as(lb.output()).isGreaterThanOrEqualTo(3L * 2 * REQUESTS);
            }
            assertThat(box.xdpAttached()).as("program detached after Ctrl-C").isFalse();
        }
    }

    /**
     * {@value #REQUESTS} requests, one TCP connection each (http.server speaks HTTP/1.0), in one
     * curl run; returns how many each backend answered and fails unless every request succeeded.
     */
    static Map<String, Integer> requests(LbSandbox box, String url, LbProcess lb) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--max-time", "10", "-w", "|%{http_code}\\n"));
        for (int i = 0; i < REQUESTS; i++) {
            cmd.add(url);
        }
        String out;
        try {
            out = box.exec(box.clientNs, cmd.toArray(String[]::new));
        } catch (IllegalStateException e) {
            throw new AssertionError("curl " + url + " failed: " + e.getMessage() + "\nbalancer:\n" + lb.output(), e);
        }
        Map<String, Integer> answered = new TreeMap<>();
        int ok = 0;
        for (String line : out.lines().toList()) {
            if (line.equals("|200")) {
                ok++;
            } else if (line.matches("b\\d")) {
                answered.merge(line, 1, Integer::sum);
            } else {
                throw new AssertionError("unexpected curl output line '" + line + "' for " + url + ":\n" + out
                        + "\nbalancer:\n" + lb.output());
            }
        }
        assertThat(ok).as("requests to " + url + " answered 200").isEqualTo(REQUESTS);
        assertThat(answered.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(REQUESTS);
        return answered;
    }

    /**
     * Weights 1:1:2 over random client ports: shares 1/4, 1/4, 1/2. The bounds are about four
     * standard deviations of the binomial count wide, so a correct balancer fails them about once
     * in ten thousand runs, and a balancer that ignores weights (b3 at 1/3) or a backend fails them.
     */
    static void assertSpreadByWeight(Map<String, Integer> answered, LbProcess lb) {
        String why = "answers per backend " + answered + "\nbalancer:\n" + lb.output();
        int b1 = answered.getOrDefault("b1", 0);
        int b2 = answered.getOrDefault("b2", 0);
        int b3 = answered.getOrDefault("b3", 0);
        assertThat(b1).as(why).isBetween(REQUESTS / 4 - 25, REQUESTS / 4 + 25);
        assertThat(b2).as(why).isBetween(REQUESTS / 4 - 25, REQUESTS / 4 + 25);
        assertThat(b3).as(why).isBetween(REQUESTS / 2 - 28, REQUESTS / 2 + 28);
    }

    /**
     * The balancer's interface has two RX queues and the bridge spreads flows over both: a queue
     * without a socket would hand its VIP packets to a kernel that does not own the VIP, and those
     * requests would fail. Every request succeeds, and both queues received (read live with stat).
     */
    @Test
    void everyRxQueueIsServed() throws Exception {
        try (LbSandbox box = LbSandbox.create("queues", 3, 2)) {
            box.startBackends();
            try (LbProcess lb = box.startBalancer(dsrConfig(box), "--metrics", "127.0.0.1:0", "--idle", "yield")) {
                assertThat(lb.output()).contains("2 queues, 2 workers, idle yield");
                requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
                requests(box, "http://[" + LbSandbox.VIP6 + "]/who", lb);
                // Prometheus: the data plane's counters per worker and the steering program's.
                String url = lb.output().lines().filter(l -> l.startsWith("metrics ")).findFirst()
                        .orElseThrow(() -> new AssertionError("no metrics line:\n" + lb.output())).substring(8);
                Await.until(() -> {
                    String m = box.exec(box.lbNs, "curl", "-s", "--fail", "--max-time", "5", url);
                    return m.lines().anyMatch(l -> l.startsWith("sluice_lb_forwarded_total{") && l.contains("worker=\"1\"")
                            && !l.endsWith(" 0.0") && !l.endsWith(" 0"))
                            && m.contains("sluice_xdp_");
                }, Duration.ofSeconds(30), () -> "metrics of both workers and the steering program at " + url);
                Cli.Result stat = Cli.run(List.of(), 60, "stat", "--once", "--pid", Long.toString(lb.pid()));
                assertThat(stat.exit()).as(stat.err()).isZero();
                for (int queue = 0; queue < 2; queue++) {
                    String port = "afxdp:" + box.lbIf + "/" + queue;
                    long rx = stat.out().lines().filter(l -> l.contains(port) && l.matches(".* rx_packets \\d+"))
                            .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
                    assertThat(rx).as("packets received on " + port + ":\n" + stat.out()).isPositive();
                }
                assertThat(lb.interrupt()).isEqualTo(130);
                assertThat(lb.summary()).containsEntry("queues", "2").containsEntry("workers", "2");
            }
            assertThat(box.xdpAttached()).isFalse();
        }
    }

    /**
     * MACs come from the kernel and follow it: a backend nobody can resolve takes no new flows (said
     * once; every request still succeeds on the others), and when a backend's MAC changes the
     * balancer follows once the kernel has the new one.
     */
    @Test
    void backendMacsFollowTheKernel() throws Exception {
        try (LbSandbox box = LbSandbox.create("macs", 2)) {
            box.startBackends();
            String absent = "10.7.0.99"; // on the segment, but no host answers for it
            String config = """
                    interface: %s
                    vips:
                      - name: web4
                        address: %s
                        protocol: tcp
                        port: 80
                        backends:
                          - {address: %s, weight: 1}
                          - {address: %s, weight: 1}
                          - {address: %s, weight: 1}
                    """.formatted(box.lbIf, LbSandbox.VIP4, LbSandbox.backend4(1), LbSandbox.backend4(2), absent);
            try (LbProcess lb = box.startBalancer(config)) {
                Map<String, Integer> before = requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
                assertThat(before).containsOnlyKeys("b1", "b2");
                assertThat(lb.output().lines().filter(l -> l.contains(absent) && l.contains("takes no new flows")).count())
                        .as(lb.output()).isEqualTo(1);

                // Backend 2 gets a new MAC; the balancer host forgets the old one (as after a NIC swap).
                box.exec(box.backendNs.get(1), "ip", "link", "set", "dev", box.backendIf.get(1), "address", "02:00:00:07:00:12");
                box.exec(box.lbNs, "ip", "neigh", "flush", "dev", box.lbIf);
                Await.until(() -> allSucceed(box, lb), Duration.ofSeconds(60),
                        () -> "every request through the VIP succeeding again after backend 2's MAC changed; balancer:\n" + lb.output());
                Map<String, Integer> after = requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
                assertThat(after).containsOnlyKeys("b1", "b2");
                assertThat(lb.interrupt()).isEqualTo(130);
            }
        }
    }

    private static boolean allSucceed(LbSandbox box, LbProcess lb) {
        try {
            requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    @Test
    void killMinusNineLeavesNothingAttached() throws Exception {
        try (LbSandbox box = LbSandbox.create("kill", 1)) {
            String config = """
                    interface: %s
                    vips:
                      - name: web4
                        address: %s
                        protocol: tcp
                        port: 80
                        backends:
                          - {address: %s, mac: "02:00:00:00:00:01"}
                    """.formatted(box.lbIf, LbSandbox.VIP4, LbSandbox.backend4(1));
            try (LbProcess lb = box.startBalancer(config)) {
                assertThat(box.xdpAttached()).as("attached while running").isTrue();
                lb.close(); // SIGKILL: no shutdown hook runs
            }
            Await.until(() -> !box.xdpAttached(), Duration.ofSeconds(60), "the program gone from the interface after kill -9");
        }
    }
}
