package dev.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowSpecTest {
    @Test
    void readsIpv4() {
        FlowSpec f = FlowSpec.parse("tcp:192.0.2.7:40000:10.0.0.100:80");
        assertThat(f.protocol()).isEqualTo(6);
        assertThat(f.source()).isEqualTo(InetAddress.ofLiteral("192.0.2.7"));
        assertThat(f.sourcePort()).isEqualTo(40000);
        assertThat(f.destination()).isEqualTo(InetAddress.ofLiteral("10.0.0.100"));
        assertThat(f.destinationPort()).isEqualTo(80);
        assertThat(f).hasToString("tcp:192.0.2.7:40000:10.0.0.100:80");
    }

    @Test
    void readsIpv6InBrackets() {
        FlowSpec f = FlowSpec.parse(" UDP:[2001:db8::7]:5353:[2001:DB8:0::100]:53 ");
        assertThat(f.protocol()).isEqualTo(17);
        assertThat(f.destination()).isEqualTo(InetAddress.ofLiteral("2001:db8::100"));
        assertThat(f).hasToString("udp:[2001:db8::7]:5353:[2001:db8::100]:53");
    }

    @ParameterizedTest
    @CsvSource({"::, ::", "::1, ::1", "2001:db8::, 2001:db8::", "2001:DB8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1", "fd07:100:0:0:0:0:0:1, fd07:100::1", "1:0:0:2:0:0:0:3, 1:0:0:2::3"})
    void writesIpv6AsPeopleDo(String in, String out) {
        assertThat(FlowSpec.text(InetAddress.ofLiteral(in))).isEqualTo(out);
    }

    @Test
    void acceptsAProtocolNumber() {
        assertThat(FlowSpec.parse("132:10.0.0.1:1:10.0.0.2:2").protocol()).isEqualTo(132);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tcp                                  | expected PROTO:SRC:SPORT:DST:DPORT",
            "sctpx:1.2.3.4:1:1.2.3.5:2            | protocol 'sctpx' is not tcp, udp or a number 0..255",
            "tcp:1.2.3.4:1:1.2.3.5                | expected PROTO:SRC:SPORT:DST:DPORT",
            "tcp:1.2.3.4:70000:1.2.3.5:80         | source port '70000' is not a number 0..65535",
            "tcp:1.2.3:1:1.2.3.5:80               | source address: '1.2.3' is not an IPv4 address",
            "tcp:host.example:1:1.2.3.5:80        | source address: 'host.example' is not an IP address",
            "tcp:[2001:db8::1:1:[2001:db8::2]:80  | is not an IPv6 address",
            "tcp:[2001:db8::1]1:1.2.3.5:80        | expected ':' and a port after the source address",
            "tcp:[2001:db8::1]:1:1.2.3.5:80       | are of different families",
            "tcp:[1.2.3.4]:1:1.2.3.5:80           | in brackets is not IPv6",
            "tcp:1.2.3.4:1:1.2.3.5:80:9           | destination port '80:9' is not a number",
    })
    void saysWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> FlowSpec.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
