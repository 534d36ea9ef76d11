package dev.sluice.drivers.xdp;

import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class XdpProgramsLoadTest {
    @BeforeEach
    void privileged() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
    }

    @Test
    void redirectAllLoads() {
        try (XdpProgram program = XdpPrograms.redirectAll(4)) {
            assertThat(program.fd()).isPositive();
            assertThat(program.id()).isPositive();
            assertThat(program.steers()).isFalse();
            assertThat(program.counters()).isEmpty();
        }
    }

    @Test
    void steeringLoads() {
        try (XdpProgram program = XdpPrograms.steering(4, 64)) {
            assertThat(program.fd()).isPositive();
            assertThat(program.id()).isPositive();
            assertThat(program.steers()).isTrue();
            assertThat(program.counters()).contains(new XdpCounters(0, 0, 0, 0, 0));
        }
    }
}
