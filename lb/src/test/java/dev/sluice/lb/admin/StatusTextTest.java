package dev.sluice.lb.admin;

import dev.sluice.lb.control.BackendStatus;
import dev.sluice.lb.control.LbStatus;
import dev.sluice.lb.control.VipStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatusTextTest {
    private static final Instant T = Instant.parse("2026-12-06T15:02:11Z");

    @Test
    void headerThenOneLineAndATablePerVip() {
        LbStatus s = new LbStatus("eth0", 4242, T, T.plusSeconds(60), "/etc/sluice/lb.yaml", 2, 2, 1234, 1 << 20, List.of(
                new VipStatus("web", "10.0.0.100", "tcp", 80, "dsr", 12_345, 1_234_567, 321, 0, 1234.5, List.of(
                        new BackendStatus("10.0.1.11", 1, 1, "up", false, false, 6100, 610_000, 160, 600, null),
                        new BackendStatus("10.0.1.12", 2, 0, "down", false, false, 6245, 624_567, 161, 0, "connection refused"),
                        new BackendStatus("10.0.1.13", 1, 0, "unchecked", true, true, 0, 0, 0, 0, null))),
                new VipStatus("dns", "fd00::53", "udp", 0, "ipip", 0, 0, 0, 7, 0, List.of())));
        String text = StatusText.render(s);
        List<String> lines = text.lines().toList();
        assertThat(lines.get(0)).startsWith("lb eth0  pid 4242  started 20");
        assertThat(lines.get(1)).startsWith("config /etc/sluice/lb.yaml  loaded 20");
        assertThat(lines.get(2)).isEqualTo("2 queues, 2 workers, flows 1,234 of 1,048,576");
        assertThat(lines.get(3)).isEmpty();
        assertThat(lines.get(4)).isEqualTo("VIP web  10.0.0.100 tcp/80  dsr  packets 12,345  bytes 1.2 MB  new flows 321  "
                + "dropped 0  1.2 k packets/s");
        assertThat(lines.get(5)).isEqualTo(
                "  BACKEND    WEIGHT  EFFECTIVE  HEALTH              DRAINED  PACKETS     BYTES  NEW FLOWS  PACKETS/S  LAST FAILURE");
        assertThat(lines.get(6)).isEqualTo(
                "  10.0.1.11       1          1  up                  no         6,100  610.0 kB        160        600  -");
        assertThat(lines.get(7)).isEqualTo(
                "  10.0.1.12       2          0  down                no         6,245  624.6 kB        161          0  connection refused");
        assertThat(lines.get(8)).isEqualTo(
                "  10.0.1.13       1          0  unchecked (no MAC)  yes            0       0 B          0          0  -");
        assertThat(lines.get(10)).isEqualTo("VIP dns  fd00::53 udp/0  ipip  packets 0  bytes 0 B  new flows 0  dropped 7  0 packets/s");
        assertThat(lines.get(11)).startsWith("  BACKEND");
        assertThat(lines).hasSize(12);
    }

    @Test
    void aConfigurationBuiltInCodeAndNoVips() {
        String text = StatusText.render(new LbStatus("veth1", 1, T, T, null, 1, 1, 0, 64, List.of()));
        assertThat(text).contains("config (built in code)").contains("1 queue, 1 worker, flows 0 of 64").endsWith("\nno VIPs\n");
    }

    @Test
    void unitsAndRates() {
        assertThat(StatusText.bytes(999)).isEqualTo("999 B");
        assertThat(StatusText.bytes(1000)).isEqualTo("1.0 kB");
        assertThat(StatusText.bytes(999_960)).isEqualTo("1.0 MB");
        assertThat(StatusText.bytes(Long.MAX_VALUE)).isEqualTo("9.2 EB");
        assertThat(StatusText.rate(999.4)).isEqualTo("999");
        assertThat(StatusText.rate(1500)).isEqualTo("1.5 k");
        assertThat(StatusText.rate(2_500_000)).isEqualTo("2.5 M");
    }
}
