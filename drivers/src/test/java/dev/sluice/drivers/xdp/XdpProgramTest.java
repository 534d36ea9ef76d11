package dev.sluice.drivers.xdp;

import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.sluice.drivers.xdp.TestFrame.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The control-plane API of {@link XdpProgram}: its checks and messages. */
class XdpProgramTest {
    @BeforeEach
    void privileged() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
    }

    @Test
    void queueOutsideTheSlotsIsRejectedBeforeTheKernel() {
        try (XdpProgram program = XdpPrograms.redirectAll(2)) {
            assertThatThrownBy(() -> program.registerSocket(2, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("queue 2").hasMessageContaining("2 queue slot(s)");
            assertThatThrownBy(() -> program.unregisterSocket(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aNonXdpSocketCannotBeRegistered() {
        int udp = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM, 0, "socket(AF_INET)", "test");
        try (XdpProgram program = XdpPrograms.redirectAll(1)) {
            assertThatThrownBy(() -> program.registerSocket(0, udp))
                    .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP))
                    .hasMessageContaining("register it after bind");
        } finally {
            LibC.close(udp);
        }
    }

    @Test
    void redirectAllHasNoRules() {
        try (XdpProgram program = XdpPrograms.redirectAll(1)) {
            assertThatThrownBy(() -> program.addRule(SteeringRule.address(ip("10.0.0.1"))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("XdpPrograms.steering");
        }
    }

    @Test
    void theRuleMapHasACapacity() {
        try (XdpProgram program = XdpPrograms.steering(1, 2)) {
            assertThat(program.addRule(SteeringRule.udp(ip("10.0.0.1"), 1))).isTrue();
            assertThat(program.addRule(SteeringRule.udp(ip("10.0.0.1"), 2))).isTrue();
            assertThat(program.addRule(SteeringRule.udp(ip("10.0.0.1"), 2))).isFalse();
            assertThatThrownBy(() -> program.addRule(SteeringRule.udp(ip("10.0.0.1"), 3)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("maximum of 2 rules");
            assertThat(program.removeRule(SteeringRule.udp(ip("10.0.0.1"), 1))).isTrue();
            assertThat(program.addRule(SteeringRule.udp(ip("10.0.0.1"), 3))).isTrue();
        }
    }

    @Test
    void aClosedProgramSaysSo() {
        XdpProgram program = XdpPrograms.steering(1, 1);
        program.close();
        program.close();
        assertThatThrownBy(program::fd).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> program.addRule(SteeringRule.address(ip("10.0.0.1")))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sizesAreChecked() {
        assertThatThrownBy(() -> XdpPrograms.redirectAll(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queueSlots");
        assertThatThrownBy(() -> XdpPrograms.steering(1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRules");
    }
}
