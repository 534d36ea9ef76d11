package dev.sluice.systest;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.systest.LbSandbox.dsrVip;
import static dev.sluice.systest.LbSandbox.weights;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hot reload under traffic, end to end (real TCP, DSR, {@link LbSandbox} with four backends): six
 * long-lived connections, over an IPv4 and an IPv6 VIP, keep transferring, every byte checked, across reloads that change
 * weights (SIGHUP), add a backend ({@code sluice lb reload}) and drain one (weight 0); each
 * finishes with every byte and a clean FIN, no reset on either side. An invalid configuration is
 * refused with its one-line reason, by {@code sluice lb reload} and by SIGHUP (in the log), and
 * the running configuration keeps working untouched.
 */
class LbReloadSystemTest {
    private static final int STREAMS = 6;
    private static final long PROGRESS = 128 * 1024;

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    /** A TCP VIP on port 9000 (DSR) at each of the IPv4 and IPv6 VIPs (stream, stream6) with {@code weights}: backend number -> weight. */
    private static String config(LbSandbox box, Map<Integer, Integer> weights) {
        return box.config(dsrVip("stream", LbSandbox.VIP4, 9000, weights), dsrVip("stream6", LbSandbox.VIP6, 9000, weights));
    }

    @Test
    void longLivedConnectionsKeepEveryByteAcrossReloadsAndAnInvalidOneChangesNothing() throws Exception {
        try (LbSandbox box = LbSandbox.create("reload", 4)) {
            box.startBackends();
            List<EchoServer> servers = box.startEchoServers(9000);
            try (LbProcess lb = box.startBalancer(config(box, weights(1, 1, 2, 1, 3, 1)))) {
                Path config = box.configFile();
                // Half over IPv4, half over IPv6.
                List<EchoStream> streams = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    streams.add(box.openStream(i % 2 == 0 ? LbSandbox.VIP4 : LbSandbox.VIP6, 9000));
                }
                EchoStream.awaitProgress(streams, PROGRESS, lb::output);
                assertThat(probes(box, 30)).as(lb.output()).containsOnlyKeys("b1", "b2", "b3");

                // 1. Weights changed, by SIGHUP: the outcome is a line in the log.
                Files.writeString(config, config(box, weights(1, 3, 2, 1, 3, 1)));
                lb.hangUp();
                lb.awaitLine(Duration.ofSeconds(60), "reload: applied ", "weight of " + LbSandbox.backend4(1));
                EchoStream.awaitProgress(streams, PROGRESS, lb::output);

                // 2. A backend added, by `sluice lb reload` (the file it runs from).
                Files.writeString(config, config(box, weights(1, 3, 2, 1, 3, 1, 4, 1)));
                Cli.Result added = lb.admin("reload");
                assertThat(added.exit()).as(added.out() + added.err() + lb.output()).isZero();
                assertThat(added.out()).contains("applied");
                EchoStream.awaitProgress(streams, PROGRESS, lb::output);
                for (String vip : List.of(LbSandbox.VIP4, LbSandbox.VIP6)) {
                    Await.until(() -> box.probesQuietly(vip, 9000, 10).containsKey("b4"), Duration.ofSeconds(60),
                            () -> "new connections to " + vip + " reaching the added backend b4\n" + lb.output());
                }

                // 3. A backend drained by weight 0 in the file given: no new connection reaches it, its own go on.
                Path drained = box.dir().resolve("drained.yaml");
                Files.writeString(drained, config(box, weights(1, 3, 2, 0, 3, 1, 4, 1)));
                Cli.Result drain = lb.admin("reload", "--config", drained.toString());
                assertThat(drain.exit()).as(drain.out() + drain.err() + lb.output()).isZero();
                assertThat(probes(box, 40)).as(lb.output()).doesNotContainKey("b2");
                EchoStream.awaitProgress(streams, PROGRESS, lb::output);

                // 4. Invalid: refused with the loader's line (file, line, column, key); nothing changes.
                Path invalid = box.dir().resolve("invalid.yaml");
                Files.writeString(invalid, config(box, weights(1, 3, 2, 1, 3, 1, 4, 1)).replace("port: 9000", "port: ninety"));
                Cli.Result refused = lb.admin("reload", "--config", invalid.toString());
                assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(2);
                assertThat(refused.out() + refused.err()).contains(invalid + ":6:11:").contains("vips[0].port");
                // The same by SIGHUP, which re-reads the file it runs from (the last one applied): said in the log.
                Files.writeString(drained, config(box, weights(1, 1)).replace("protocol: tcp", "protocol: sctp"));
                String refusedLine = lb.awaitLineAfterSignal(LbProcess::hangUp, Duration.ofSeconds(60), "reload refused: ", drained + ":5:");
                assertThat(refusedLine).as(lb.output()).contains("vips[0].protocol");
                // Still the drained configuration: b2 takes no new connection, b4 still does, the streams go on.
                Map<String, Integer> still = probes(box, 40);
                assertThat(still).as(lb.output()).doesNotContainKey("b2").containsKeys("b1", "b3", "b4");
                EchoStream.awaitProgress(streams, PROGRESS, lb::output);

                for (EchoStream s : streams) {
                    s.finish(Duration.ofSeconds(60));
                }
                for (EchoServer s : servers) {
                    assertThat(s.failures()).as(s.name()).isEmpty();
                }
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
            }
        }
    }

    /** {@code n} new connections to each VIP; how many each backend answered. */
    private static Map<String, Integer> probes(LbSandbox box, int n) throws java.io.IOException {
        Map<String, Integer> answered = new java.util.TreeMap<>(EchoStream.probes(box.clientNs, LbSandbox.VIP4, 9000, n));
        EchoStream.probes(box.clientNs, LbSandbox.VIP6, 9000, n).forEach((b, c) -> answered.merge(b, c, Integer::sum));
        return answered;
    }
}
