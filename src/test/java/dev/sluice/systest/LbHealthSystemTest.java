package dev.sluice.systest;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.sluice.systest.LbSandbox.dsrVip;
import static dev.sluice.systest.LbSandbox.weights;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health checks end to end, real TCP in DSR mode ({@link LbSandbox}, three backends): a backend
 * whose HTTP server dies mid-run is declared down by the balancer's own checks (one log line),
 * every new request then succeeds on the other two, long-lived connections to those two keep
 * every byte (Maglev's minimal disruption and the connection table), and the dead backend's flows
 * move. Restarted, it is declared up again (one line) and takes requests again.
 */
class LbHealthSystemTest {
    private static final String DOWN_BACKEND = LbSandbox.backend4(2);

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    /**
     * Both VIPs checked over HTTP on port 80 (the stream VIP's port 9000 has an echo server, which
     * stays up: the check follows the HTTP server), every 300 ms, down after 2 failures, up after 2
     * successes.
     */
    static String config(LbSandbox box) {
        String health = "{type: http, port: 80, path: /who, interval: 300ms, timeout: 200ms, rise: 2, fall: 2}";
        Map<Integer, Integer> backends = weights(1, 1, 2, 1, 3, 1);
        return box.config(dsrVip("web", LbSandbox.VIP4, 80, backends, health),
                dsrVip("stream", LbSandbox.VIP4, 9000, backends, health));
    }

    @Test
    void aDeadBackendLeavesNewRequestsSucceedOnTheOthersAndItComesBackWhenRestarted() throws Exception {
        try (LbSandbox box = LbSandbox.create("health", 3)) {
            box.startBackends();
            List<EchoServer> servers = box.startEchoServers(9000);
            try (LbProcess lb = box.startBalancer(config(box))) {
                String url = "http://" + LbSandbox.VIP4 + "/who";
                Await.until(() -> spread(box, url, lb).size() == 3, Duration.ofSeconds(60),
                        () -> "requests reaching all three backends once the first checks passed\n" + lb.output());
                // Six connections, and more until one is on b2 (a third of new connections go there).
                List<EchoStream> streams = box.openStreams(LbSandbox.VIP4, 9000, 6, "b2", 1, 30);
                EchoStream.awaitProgress(streams, 64 * 1024, lb::output);
                List<EchoStream> healthy = streams.stream().filter(s -> !s.backend().equals("b2")).toList();
                List<EchoStream> onDead = streams.stream().filter(s -> s.backend().equals("b2")).toList();
                assertThat(onDead).as(streams.toString()).isNotEmpty();

                box.stopHttpServer(2);
                String down = lb.awaitLine(Duration.ofSeconds(60), "health: backend " + DOWN_BACKEND + " port 80", "is down");
                assertThat(down).as(lb.output()).contains("(http /who)");
                // The line comes as the tables change: once new connections avoid b2, all of them succeed.
                Await.until(() -> {
                    Map<String, Integer> probed = box.probesQuietly(LbSandbox.VIP4, 9000, 20);
                    return !probed.isEmpty() && !probed.containsKey("b2");
                }, Duration.ofSeconds(30), () -> "new connections avoiding b2 after it was declared down\n" + lb.output());
                // Every new request succeeds, on the two others only.
                Map<String, Integer> after = LbDsrSystemTest.requests(box, url, lb);
                assertThat(after).as(lb.output()).containsOnlyKeys("b1", "b3");
                assertThat(EchoStream.probes(box.clientNs, LbSandbox.VIP4, 9000, 40)).as(lb.output()).doesNotContainKey("b2");
                // Connections to the healthy ones kept their backend; the dead one's moved (reset by their new backend).
                EchoStream.awaitProgress(healthy, 64 * 1024, lb::output);
                Await.until(() -> onDead.stream().allMatch(s -> s.failure() != null), Duration.ofSeconds(60),
                        () -> "the connections to b2 moved (reset by the backend that got them): " + onDead + "\n" + lb.output());

                box.restartHttpServer(2);
                lb.awaitLine(Duration.ofSeconds(60), "health: backend " + DOWN_BACKEND + " port 80", "is up");
                Await.until(() -> spread(box, url, lb).containsKey("b2"), Duration.ofSeconds(60),
                        () -> "requests reaching b2 again after it came back\n" + lb.output());
                EchoStream.awaitProgress(healthy, 64 * 1024, lb::output);
                for (EchoStream s : healthy) {
                    s.finish(Duration.ofSeconds(60));
                }
                // One line per change (the two VIPs share one check of each backend), none about the others: no flapping.
                assertThat(lb.count("health: backend " + DOWN_BACKEND + " ", "is down")).as(lb.output()).isEqualTo(1);
                assertThat(lb.count("health: backend " + DOWN_BACKEND + " ", "is up")).as(lb.output()).isEqualTo(1);
                for (int other : new int[] {1, 3}) {
                    assertThat(lb.count("health: backend " + LbSandbox.backend4(other) + " ", "is down")).as(lb.output()).isZero();
                }
                assertThat(servers.get(0).failures()).isEmpty();
                assertThat(servers.get(2).failures()).isEmpty();
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
            }
        }
    }

    /**
     * Every backend of the VIPs down: their packets are dropped and counted, the balancer carries
     * on, and the first backend back takes every request.
     */
    @Test
    void withEveryBackendDownTheVipsPacketsAreDroppedAndCountedAndTheFirstBackTakesEverything() throws Exception {
        try (LbSandbox box = LbSandbox.create("alldown", 3)) {
            box.startBackends();
            try (LbProcess lb = box.startBalancer(config(box))) {
                String url = "http://" + LbSandbox.VIP4 + "/who";
                LbDsrSystemTest.requests(box, url, lb);
                for (int i = 1; i <= 3; i++) {
                    box.stopHttpServer(i);
                }
                for (int i = 1; i <= 3; i++) {
                    lb.awaitLine(Duration.ofSeconds(60), "health: backend " + LbSandbox.backend4(i) + " port 80", "is down");
                }
                // No backend: the connection attempt goes unanswered (dropped), and the VIP counts it.
                Await.until(() -> curlFails(box, url) && dropped(lb, "web") > 0, Duration.ofSeconds(60),
                        () -> "requests to the VIP dropped and counted with every backend down\n" + status(lb) + "\n" + lb.output());
                assertThat(lb.isAlive()).as(lb.output()).isTrue();

                box.restartHttpServer(3);
                lb.awaitLine(Duration.ofSeconds(60), "health: backend " + LbSandbox.backend4(3) + " port 80", "is up");
                Await.until(() -> allSucceed(box, url, lb), Duration.ofSeconds(60), () -> "every request succeeding on b3\n" + lb.output());
                assertThat(LbDsrSystemTest.requests(box, url, lb)).as(lb.output()).containsOnlyKeys("b3");
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
            }
        }
    }

    private static String status(LbProcess lb) {
        try {
            Cli.Result r = lb.admin("status");
            Cli.Result stat = Cli.run(List.of(), 60, "stat", "--once", "--pid", Long.toString(lb.pid()));
            return r.out() + r.err() + "\nstat:\n" + stat.out() + stat.err();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The VIP's dropped packets as {@code sluice lb status} shows them ("dropped 1,234"). */
    private static long dropped(LbProcess lb, String vip) {
        try {
            Cli.Result status = lb.admin("status");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^VIP " + vip + " .* dropped ([\\d,]+)").matcher(status.out());
            return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean curlFails(LbSandbox box, String url) {
        try {
            box.exec(box.clientNs, "curl", "-s", "--fail", "--max-time", "1", url);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private static boolean allSucceed(LbSandbox box, String url, LbProcess lb) {
        try {
            LbDsrSystemTest.requests(box, url, lb);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /** 200 requests, every one succeeding (else fails); how many each backend answered. */
    private static Map<String, Integer> spread(LbSandbox box, String url, LbProcess lb) {
        return LbDsrSystemTest.requests(box, url, lb);
    }
}
