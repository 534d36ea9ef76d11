package dev.sluice.drivers.xdp;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static dev.sluice.drivers.xdp.TestFrame.ip;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SteeringRuleTest {
    private static String key(SteeringRule rule) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(SteeringKeyDescriptor.KEY_SIZE);
            key.fill((byte) 0x5a); // encode must overwrite every byte
            SteeringKeyDescriptor.encode(rule, key);
            return HexFormat.of().formatHex(key.toArray(JAVA_BYTE));
        }
    }

    @Test
    void ipv4KeyLayout() {
        assertThat(key(SteeringRule.udp(ip("10.1.2.3"), 5000)))
                .isEqualTo("0a010203" + "000000000000000000000000" + "04" + "11" + "1388");
    }

    @Test
    void ipv6KeyLayout() {
        assertThat(key(SteeringRule.tcp(ip("fd00::1"), 443)))
                .isEqualTo("fd000000000000000000000000000001" + "06" + "06" + "01bb");
        assertThat(key(SteeringRule.address(ip("fd00::1"))))
                .isEqualTo("fd000000000000000000000000000001" + "06" + "00" + "0000");
    }

    @Test
    void ipv4MappedLiteralIsIpv4() {
        assertThat(SteeringRule.address(ip("::ffff:10.0.0.1")).isIpv4()).isTrue();
    }

    @Test
    void invalidRulesAreRejected() {
        assertThatThrownBy(() -> new SteeringRule(ip("10.0.0.1"), 0, 80)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs protocol TCP");
        assertThatThrownBy(() -> new SteeringRule(ip("10.0.0.1"), 1, 80)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SteeringRule(ip("10.0.0.1"), 256, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SteeringRule(ip("10.0.0.1"), 17, 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SteeringRule(null, 17, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void readableToString() {
        assertThat(SteeringRule.udp(ip("10.0.0.1"), 53)).hasToString("10.0.0.1:53/udp");
        assertThat(SteeringRule.address(ip("fd00::1"))).hasToString("[fd00:0:0:0:0:0:0:1]:*/any");
    }

    @Test
    void possibleCpuListsAreCounted() {
        assertThat(PossibleCpus.parse("0")).isEqualTo(1);
        assertThat(PossibleCpus.parse("0-1\n".strip())).isEqualTo(2);
        assertThat(PossibleCpus.parse("0-3,8-9,12")).isEqualTo(7);
    }
}
