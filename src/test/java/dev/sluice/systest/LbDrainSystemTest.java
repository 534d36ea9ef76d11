package dev.sluice.systest;

import dev.sluice.testing.Await;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice lb drain} end to end (real TCP, DSR, three backends): once drained, a backend
 * takes no new connection (every new one succeeds on the others) while its open connections go on
 * and finish with every byte; {@code undrain} gives it new connections again.
 */
class LbDrainSystemTest {
    private static final String DRAINED = LbSandbox.backend4(1);

    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs a balancer, a client and backends in network namespaces");
        for (String tool : List.of("curl", "python3", "ethtool")) {
            Privileged.requireTool(tool, "runs servers behind the balancer");
        }
    }

    @Test
    void aDrainedBackendTakesNoNewConnectionAndItsOpenOnesFinish() throws Exception {
        try (LbSandbox box = LbSandbox.create("drain", 3)) {
            box.startBackends();
            List<EchoServer> servers = new ArrayList<>();
            List<EchoStream> streams = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    servers.add(EchoServer.start(box.backendNs.get(i - 1), "b" + i, 9000));
                }
                Path config = LbDsrSystemTest.writeConfig(box, LbReloadSystemTest.config(box, LbReloadSystemTest.weights(1, 1, 2, 1, 3, 1)));
                try (LbProcess lb = LbProcess.start(box.lbNs, box.lbIf, "--config", config.toString()).awaitRunning()) {
                    // Connections until at least two are on b1 (a third of new connections go there).
                    while (streams.stream().filter(s -> s.backend().equals("b1")).count() < 2 && streams.size() < 30) {
                        streams.add(EchoStream.open(box.clientNs, LbSandbox.VIP4, 9000, streams.size()));
                    }
                    assertThat(streams.stream().filter(s -> s.backend().equals("b1")).count()).as(streams.toString()).isEqualTo(2);
                    EchoStream.awaitProgress(streams, 64 * 1024, lb::output);

                    Cli.Result drain = lb.admin("drain", DRAINED);
                    assertThat(drain.exit()).as(drain.out() + drain.err() + lb.output()).isZero();
                    Cli.Result status = lb.admin("status");
                    assertThat(status.exit()).as(status.out() + status.err()).isZero();
                    // BACKEND WEIGHT EFFECTIVE HEALTH DRAINED ...: weight kept, effective 0, drained.
                    String[] row = status.out().lines().map(String::strip).filter(l -> l.startsWith(DRAINED + " ")).findFirst()
                            .orElseThrow(() -> new AssertionError("no row for " + DRAINED + " in:\n" + status.out())).split("\\s+");
                    assertThat(List.of(row[1], row[2], row[4])).as(status.out()).containsExactly("1", "0", "yes");

                    Map<String, Integer> fresh = EchoStream.probes(box.clientNs, LbSandbox.VIP4, 9000, 60);
                    assertThat(fresh).as(lb.output()).containsOnlyKeys("b2", "b3");
                    EchoStream.awaitProgress(streams, 256 * 1024, lb::output);
                    for (EchoStream s : streams) {
                        s.finish(Duration.ofSeconds(60));
                    }
                    assertThat(servers.get(0).failures()).isEmpty();
                    assertThat(servers.get(0).open()).as("b1's connections all ended").isZero();

                    Cli.Result undrain = lb.admin("undrain", DRAINED);
                    assertThat(undrain.exit()).as(undrain.out() + undrain.err() + lb.output()).isZero();
                    Await.until(() -> probesQuietly(box, 10).containsKey("b1"), Duration.ofSeconds(60),
                            () -> "new connections reaching b1 again after undrain\n" + lb.output());
                    for (EchoServer s : servers) {
                        assertThat(s.failures()).as(s.name()).isEmpty();
                    }
                    assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
                }
            } finally {
                for (EchoStream s : streams) {
                    s.close();
                }
                for (EchoServer s : servers) {
                    s.close();
                }
            }
        }
    }

    private static Map<String, Integer> probesQuietly(LbSandbox box, int n) {
        try {
            return EchoStream.probes(box.clientNs, LbSandbox.VIP4, 9000, n);
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }
}
