package dev.sluice.lb.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The literal parsers beyond what the loader's cases show: accepted forms and round trips. */
class LiteralsTest {

    @Test
    void addressesOfBothFamilies() {
        assertThat(Literals.address("10.0.0.1")).isInstanceOf(Inet4Address.class).hasToString("/10.0.0.1");
        assertThat(Literals.address("0.0.0.0").isAnyLocalAddress()).isTrue();
        assertThat(Literals.address("fd00::1")).isInstanceOf(Inet6Address.class);
        assertThat(Literals.address("FD00:0:0:0:0:0:0:1")).isEqualTo(Literals.address("fd00::1"));
        assertThat(Literals.address("::1.2.3.4")).isInstanceOf(Inet6Address.class); // IPv4-compatible, not mapped
        assertThat(Literals.unicastAddress("fe80::1").isLinkLocalAddress()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "10.0.0.", ".10.0.0", "10..0.1", "10.0.0.1.", "1.2.3.4.5", "-1.0.0.0", "0x0a.0.0.1",
            "10.0.0.1 ", " 10.0.0.1", "localhost", "fd00::1::1", "fd00:::1", "1:2:3:4:5:6:7:8:9", "fd00::g", "[fd00::1",
            "fe80::1%1"})
    void rejectsWhatIsNoLiteral(String text) {
        assertThatThrownBy(() -> Literals.address(text)).isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain("\n");
    }

    @Test
    void addressesAsPeopleWriteThem() {
        String[][] cases = {
                {"10.0.0.1", "10.0.0.1"}, {"2001:DB8:0:0:0:0:0:7", "2001:db8::7"}, {"::", "::"}, {"::1", "::1"},
                {"1:0:0:0:0:0:0:0", "1::"}, {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
                {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"}, {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
                {"fd00:00ff:0000:0000:0000:0000:0000:0000", "fd00:ff::"}};
        for (String[] c : cases) {
            assertThat(Literals.text(Literals.address(c[0]))).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void prefixes() {
        assertThat(Literals.prefix("10.255.0.0/16")).hasToString("10.255.0.0/16");
        assertThat(Literals.prefix("0.0.0.0/0").length()).isZero();
        assertThat(Literals.prefix("10.0.0.1/32").length()).isEqualTo(32);
        assertThat(Literals.prefix("fd00:1::/64").length()).isEqualTo(64);
        assertThat(Literals.prefix("fd00:1::1/128").length()).isEqualTo(128);
        assertThatThrownBy(() -> Literals.prefix("fd00:1::/129")).hasMessageContaining("allowed: 0..128");
        assertThatThrownBy(() -> Literals.prefix("fd00:1::1/127")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> Literals.prefix("10.0.0.0/")).hasMessageContaining("prefix length ''");
        assertThatThrownBy(() -> Literals.prefix("10.0.0.0/+8")).hasMessageContaining("prefix length '+8'");
    }

    @Test
    void macsRoundTrip() {
        long mac = Literals.mac("02:AB:cd:00:10:ff");
        assertThat(mac).isEqualTo(0x02abcd0010ffL);
        assertThat(Literals.formatMac(mac)).isEqualTo("02:ab:cd:00:10:ff");
        assertThat(Literals.formatMac(0x0200000000feL)).isEqualTo("02:00:00:00:00:fe");
        assertThatThrownBy(() -> Literals.mac("02:00:00:00:00:0g")).hasMessageContaining("not a MAC");
        assertThatThrownBy(() -> Literals.mac("020000000001")).hasMessageContaining("not a MAC");
        assertThatThrownBy(() -> Literals.mac("ff:ff:ff:ff:ff:ff")).hasMessageContaining("multicast");
    }

    @Test
    void durationsRoundTrip() {
        assertThat(Literals.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Literals.duration("300s")).isEqualTo(Duration.ofSeconds(300));
        assertThat(Literals.duration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Literals.duration("1h")).isEqualTo(Duration.ofHours(1));
        for (String text : new String[] {"500ms", "1s", "90s", "2m", "1h", "25h", "1500ms"}) {
            assertThat(Literals.duration(Literals.formatDuration(Literals.duration(text)))).isEqualTo(Literals.duration(text));
        }
        assertThat(Literals.formatDuration(Duration.ofSeconds(120))).isEqualTo("2m");
        assertThat(Literals.formatDuration(Duration.ZERO)).isEqualTo("0s");
        for (String bad : new String[] {"", "5", "5 s", "5S", "-5s", "1.5s", "1m30s", "5sec", "5d", "ms"}) {
            assertThatThrownBy(() -> Literals.duration(bad)).as(bad).hasMessageContaining("not a duration");
        }
    }

    @Test
    void interfaceNamesAsLinuxAcceptsThem() {
        assertThat(Literals.interfaceName("eth0")).isEqualTo("eth0");
        assertThat(Literals.interfaceName("veth-a.100_x@")).isEqualTo("veth-a.100_x@");
        assertThat(Literals.interfaceName("a".repeat(15))).hasSize(15);
        for (String bad : new String[] {"", ".", "..", "a".repeat(16), "eth 0", "eth0:1", "eth/0", "eth\t0"}) {
            assertThatThrownBy(() -> Literals.interfaceName(bad)).as(bad).hasMessageContaining("not an interface name");
        }
    }
}
