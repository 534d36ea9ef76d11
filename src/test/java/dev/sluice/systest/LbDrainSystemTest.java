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
 * {@code sluice lb drain} end to end (real TCP, DSR, three backends): once drained, a backend
 * takes no new connection (every new one succeeds on the others) while its open connections go on
 * and finish with every byte; {@code undrain} gives it new connections again.
 */
class LbDrainSystemTest {
    private static final String DRAINED = LbSandbox.backend4(1);

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    @Test
    void aDrainedBackendTakesNoNewConnectionAndItsOpenOnesFinish() throws Exception {
        try (LbSandbox box = LbSandbox.create("drain", 3)) {
            box.startBackends();
            List<EchoServer> servers = box.startEchoServers(9000);
            String config = box.config(dsrVip("stream", LbSandbox.VIP4, 9000, weights(1, 1, 2, 1, 3, 1)));
            try (LbProcess lb = box.startBalancer(config)) {
                // Connections until at least two are on b1 (a third of new connections go there).
                List<EchoStream> streams = box.openStreams(LbSandbox.VIP4, 9000, 0, "b1", 2, 30);
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
                Await.until(() -> box.probesQuietly(LbSandbox.VIP4, 9000, 10).containsKey("b1"), Duration.ofSeconds(60),
                        () -> "new connections reaching b1 again after undrain\n" + lb.output());
                for (EchoServer s : servers) {
                    assertThat(s.failures()).as(s.name()).isEmpty();
                }
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
            }
        }
    }
}
