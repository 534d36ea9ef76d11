package dev.sluice.lb.control;

import dev.sluice.counters.CountersFile;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.LbCounters;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.lb.stats.StatsColumns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warm-up runs the data path over every VIP's path (IPv4 and IPv6, TCP and UDP, dsr, ipip and
 * gue) and leaves nothing in what the real run uses.
 */
class LbWarmUpTest {
    /** Every family, protocol and forwarding mode; a VIP of all ports; encapsulation across families. */
    static final String CONFIG = """
            interface: eth0
            connections: {capacity: 4096, tcp-idle: 300s, udp-idle: 30s}
            encapsulation: {source-prefix-v4: 192.0.2.0/24, source-prefix-v6: "2001:db8:5::/64"}
            vips:
              - {name: dsr-tcp4, address: 10.0.0.100, protocol: tcp, port: 80, forwarding: dsr,
                 backends: [{address: 10.0.1.11}, {address: 10.0.1.12}]}
              - {name: dsr-udp6, address: "2001:db8::100", protocol: udp, port: 53, forwarding: dsr,
                 backends: [{address: "2001:db8:1::11"}, {address: "2001:db8:1::12"}]}
              - {name: ipip-tcp6, address: "2001:db8::101", protocol: tcp, port: 443, forwarding: ipip,
                 backends: [{address: "2001:db8:1::21"}, {address: 10.0.1.21}]}
              - {name: ipip-udp4, address: 10.0.0.101, protocol: udp, port: 0, forwarding: ipip,
                 backends: [{address: 10.0.1.31}]}
              - {name: gue-tcp4, address: 10.0.0.102, protocol: tcp, port: 8080, forwarding: gue,
                 backends: [{address: 10.0.1.41}, {address: "2001:db8:1::41"}]}
              - {name: gue-udp6, address: "2001:db8::102", protocol: udp, port: 4789, forwarding: gue,
                 backends: [{address: "2001:db8:1::51"}]}
            """;

    @TempDir
    Path dir;

    @Test
    void forwardsOnEveryPathAndLeavesNothingInTheRealRun() {
        LbConfig config = LbConfigLoader.parse(CONFIG, Path.of("lb.yaml"), name -> name.equals("eth0"));
        try (CountersFile counters = CountersFile.create(dir, "lb-eth0", "test", 64);
             LbStats stats = new LbStats(1, 16);
             ConnectionTable connections = new ConnectionTable(4096, 300_000_000_000L, 30_000_000_000L)) {
            // what a real balancer allocates before it warms up
            new LbCounters(counters, 0);
            int groups = counters.allocated();
            List<String> log = new ArrayList<>();

            LbWarmUp.Result r = LbWarmUp.run(config, 0x02_00_00_00_00_01L, 1500, List.of(), 1, 64,
                    Duration.ofMillis(300), log::add);

            assertThat(r.delivered()).isPositive();
            Map<String, Long> byVip = r.forwardedByVip();
            assertThat(byVip.keySet()).containsExactlyElementsOf(config.vips().stream().map(VipConfig::name).toList());
            assertThat(byVip).allSatisfy((vip, forwarded) -> assertThat(forwarded).as(vip).isPositive());
            assertThat(r.forwarded()).isEqualTo(byVip.values().stream().mapToLong(Long::longValue).sum());
            assertThat(r.forwarded()).as("every delivered packet forwarded (none dropped)").isEqualTo(r.delivered());
            assertThat(log).as("no internal error").isEmpty();

            assertThat(counters.allocated()).as("counter groups in the counters file").isEqualTo(groups);
            for (int row = 0; row < stats.rowCapacity(); row++) {
                for (int column = 0; column < LbStats.COLUMNS; column++) {
                    assertThat(stats.sum(row, column)).isZero();
                }
            }
            assertThat(connections.size()).isZero();
            assertThat(stats.sum(0, StatsColumns.PACKETS)).isZero();
        }
    }

    @Test
    void zeroDurationRunsNothing() {
        LbConfig config = LbConfigLoader.parse(CONFIG, Path.of("lb.yaml"), name -> name.equals("eth0"));
        LbWarmUp.Result r = LbWarmUp.run(config, 0x02_00_00_00_00_01L, 1500, List.of(), 1, 64, Duration.ZERO, m -> { });
        assertThat(r.delivered()).isZero();
        assertThat(r.forwarded()).isZero();
    }

    @Test
    void spreadsOverWorkersByHashingAsTheRealRunDoes() {
        LbConfig config = LbConfigLoader.parse(CONFIG, Path.of("lb.yaml"), name -> name.equals("eth0"));
        LbWarmUp.Result r = LbWarmUp.run(config, 0x02_00_00_00_00_01L, 1500, List.of(), 3, 64,
                Duration.ofMillis(200), m -> { });
        assertThat(r.forwardedByVip()).allSatisfy((vip, forwarded) -> assertThat(forwarded).as(vip).isPositive());
    }

    @Test
    void framesAreOnePerFlowAndRoundForEveryVip() {
        LbConfig config = LbConfigLoader.parse(CONFIG, Path.of("lb.yaml"), name -> name.equals("eth0"));
        List<byte[]> frames = LbWarmUp.frames(config, 0x02_00_00_00_00_01L);
        assertThat(frames).hasSize(config.vips().size() * 16 * 4);
        assertThat(frames).allSatisfy(f -> assertThat(f.length).isBetween(60, 200));
    }
}
