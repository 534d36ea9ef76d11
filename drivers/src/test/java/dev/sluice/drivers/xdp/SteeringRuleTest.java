package dev.sluice.drivers.xdp;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

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
    void aVipNeedsTcpOrUdp() {
        assertThat(SteeringRule.vip(ip("10.0.0.1"), SteeringRule.TCP, 0).isVip()).isTrue();
        assertThat(SteeringRule.udp(ip("10.0.0.1"), 0).isVip()).isFalse();
        assertThatThrownBy(() -> SteeringRule.vip(ip("10.0.0.1"), 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a VIP rule needs protocol TCP (6) or UDP (17), not 1");
        assertThatThrownBy(() -> SteeringRule.vip(ip("10.0.0.1"), 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SteeringRule.vip(ip("10.0.0.1"), SteeringRule.UDP, 53)).isNotEqualTo(SteeringRule.udp(ip("10.0.0.1"), 53));
    }

    @Test
    void aVipWritesItsPortItsFragmentsAndItsIcmpEntries() {
        InetAddress a = ip("10.0.0.1");
        assertThat(SteeringKeyDescriptor.entriesOf(SteeringRule.vip(a, SteeringRule.UDP, 53))).containsExactly(
                Map.entry(new SteeringKeyDescriptor.Key(a, 17, 53), SteeringKeyDescriptor.MATCH_ALL),
                Map.entry(new SteeringKeyDescriptor.Key(a, 17, 0), SteeringKeyDescriptor.MATCH_LATER_FRAGMENTS),
                Map.entry(new SteeringKeyDescriptor.Key(a, 0, 0), SteeringKeyDescriptor.MATCH_VIP_ICMP));
        assertThat(SteeringKeyDescriptor.entriesOf(SteeringRule.vip(a, SteeringRule.TCP, 0))).containsExactly(
                Map.entry(new SteeringKeyDescriptor.Key(a, 6, 0), SteeringKeyDescriptor.MATCH_ALL),
                Map.entry(new SteeringKeyDescriptor.Key(a, 0, 0), SteeringKeyDescriptor.MATCH_VIP_ICMP));
        assertThat(SteeringKeyDescriptor.entriesOf(SteeringRule.tcp(a, 80))).containsExactly(
                Map.entry(new SteeringKeyDescriptor.Key(a, 6, 80), SteeringKeyDescriptor.MATCH_ALL));
        assertThat(SteeringKeyDescriptor.entriesOf(List.of(SteeringRule.vip(a, SteeringRule.UDP, 53), SteeringRule.udp(a, 0))))
                .containsEntry(new SteeringKeyDescriptor.Key(a, 17, 0),
                        SteeringKeyDescriptor.MATCH_ALL | SteeringKeyDescriptor.MATCH_LATER_FRAGMENTS)
                .hasSize(3);
    }

    @Test
    void theRuleCapacityOptionIsChecked() {
        assertThat(AfXdpOptions.defaults().steeringRules()).isEqualTo(AfXdpOptions.DEFAULT_STEERING_RULES);
        assertThat(AfXdpOptions.defaults().withSteeringRules(3).withRingSize(512).steeringRules()).isEqualTo(3);
        assertThatThrownBy(() -> AfXdpOptions.defaults().withSteeringRules(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("steering rules must be in 1..65536, not 0");
        assertThatThrownBy(() -> AfXdpOptions.defaults().withSteeringRules(XdpPrograms.MAX_STEERING_RULES + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readableToString() {
        assertThat(SteeringRule.vip(ip("10.0.0.1"), SteeringRule.TCP, 80)).hasToString("10.0.0.1:80/tcp vip");
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
