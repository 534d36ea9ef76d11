package dev.sluice.lb.control;

import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CounterGroupsNeededTest {
    private static LbConfig config(String workers) {
        return LbConfigLoader.parse("""
                interface: eth0
                %s
                vips:
                  - name: web
                    address: 10.0.0.100
                    port: 80
                    backends: [{address: 10.0.1.11}, {address: 10.0.1.12}, {address: 10.0.1.13}]
                  - name: dns
                    address: 10.0.0.53
                    protocol: udp
                    port: 53
                    backends: [{address: 10.0.1.21}]
                """.formatted(workers), Path.of("lb.yaml"), name -> true);
    }

    @Test
    void queuesWorkersTheProgramAndFourTimesEveryVipAndBackend() {
        // 2 VIPs + 4 backends = 6 labelled groups, four times over for reloads: 24; the program: 1.
        assertThat(LoadBalancer.counterGroupsNeeded(config(""), 4)).as("workers default to the queues")
                .isEqualTo(2 * 4 + 2 * 4 + 1 + 24);
        assertThat(LoadBalancer.counterGroupsNeeded(config("workers: 2"), 4)).isEqualTo(2 * 4 + 2 * 2 + 1 + 24);
        assertThat(LoadBalancer.counterGroupsNeeded(config(""), 128)).as("at most 64 workers by default")
                .isEqualTo(2 * 128 + 2 * 64 + 1 + 24);
    }
}
