package dev.sluice.cli;

import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersFile;
import dev.sluice.counters.Labels;
import dev.sluice.drivers.PortCounters;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Prometheus view of a counters file, without a network: names, labels, types. */
class CountersCollectorTest {
    @TempDir
    Path dir;

    private static String scrape(CountersCollector collector) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void kindsLabelsAndNamesComeFromTheFileAlone() throws Exception {
        try (CountersFile file = CountersFile.create(dir, "fwd-eth0", "test", 64)) {
            PortCounters q0 = PortCounters.allocate(file, "afxdp:eth0/0");
            PortCounters q1 = PortCounters.allocate(file, "afxdp:eth0/1");
            file.allocate("xsk", Labels.of("port", "afxdp:eth0/0"), CounterType.COUNTER, "rx_ring_full").set(0, 4);
            file.allocate("worker", Labels.of("worker", "1"), CounterType.COUNTER, "idle_polls").set(0, 1000);
            file.allocate("pool", Labels.of("pool", "main"), CounterType.GAUGE, "frames_free").set(0, 77);
            // a kind no reader has heard of, with two labels and a counter and a gauge side by side
            CounterGroup backend = file.allocate("lb_backend", Labels.of("vip", "web", "backend", "10.0.1.11"),
                    new String[] {"packets", "connections"}, new CounterType[] {CounterType.COUNTER, CounterType.GAUGE});
            backend.add(0, 12);
            backend.set(1, 3);
            q0.add(PortCounters.RX_PACKETS, 5);
            q1.add(PortCounters.RX_PACKETS, 6);
            String text = scrape(new CountersCollector(file.reader(), () -> true));
            assertThat(text)
                    .contains("# TYPE sluice_port_rx_packets_total counter")
                    .contains("sluice_port_rx_packets_total{instance=\"fwd-eth0\",port=\"afxdp:eth0/0\"} 5.0")
                    .contains("sluice_port_rx_packets_total{instance=\"fwd-eth0\",port=\"afxdp:eth0/1\"} 6.0")
                    .contains("sluice_xsk_rx_ring_full_total{instance=\"fwd-eth0\",port=\"afxdp:eth0/0\"} 4.0")
                    .contains("sluice_worker_idle_polls_total{instance=\"fwd-eth0\",worker=\"1\"} 1000.0")
                    .contains("# TYPE sluice_pool_frames_free gauge")
                    .contains("sluice_pool_frames_free{instance=\"fwd-eth0\",pool=\"main\"} 77.0")
                    .contains("sluice_lb_backend_packets_total{backend=\"10.0.1.11\",instance=\"fwd-eth0\",vip=\"web\"} 12.0")
                    .contains("# TYPE sluice_lb_backend_connections gauge")
                    .contains("sluice_lb_backend_connections{backend=\"10.0.1.11\",instance=\"fwd-eth0\",vip=\"web\"} 3.0")
                    .doesNotContain("sluice_lb_backend_connections_total")
                    .contains("sluice_up{instance=\"fwd-eth0\"} 1.0");

            backend.close(); // a freed group leaves the scrape
            assertThat(scrape(new CountersCollector(file.reader(), () -> true))).doesNotContain("lb_backend");
        }
    }

    @Test
    void metricNamesAreTheKindAndTheCounterName() {
        assertThat(CountersCollector.metricName("port", "rx_packets")).isEqualTo("sluice_port_rx_packets");
        assertThat(CountersCollector.metricName("lb_backend", "packets")).isEqualTo("sluice_lb_backend_packets");
        assertThat(CountersCollector.sanitize("9lives")).isEqualTo("_9lives");
    }

    @Test
    void aGroupLabelNamedInstanceDoesNotHideTheInstance() throws Exception {
        try (CountersFile file = CountersFile.create(dir, "lb", "test", 8)) {
            file.allocate("app", Labels.of("instance", "blue"), CounterType.COUNTER, "requests").add(0, 1);
            assertThat(scrape(new CountersCollector(file.reader(), () -> true)))
                    .contains("sluice_app_requests_total{exported_instance=\"blue\",instance=\"lb\"} 1.0");
        }
    }

    @Test
    void aClosedFileScrapesAsDown() throws Exception {
        CountersFile file = CountersFile.create(dir, "gone", "test", 8);
        CountersCollector collector = new CountersCollector(file.reader(), () -> true);
        file.allocate("worker", Labels.of("worker", "0"), CounterType.COUNTER, "busy_polls");
        file.close();
        String text = scrape(collector);
        assertThat(text).contains("sluice_up{instance=\"gone\"} 0.0").doesNotContain("busy_polls");
    }

    @Test
    void metricsAddressesDefaultToLoopback() {
        assertThat(MetricsServer.parse("9464")).isEqualTo(new InetSocketAddress("127.0.0.1", 9464));
        assertThat(MetricsServer.parse(":9100")).isEqualTo(new InetSocketAddress("127.0.0.1", 9100));
        assertThat(MetricsServer.parse("0.0.0.0:80")).isEqualTo(new InetSocketAddress("0.0.0.0", 80));
        assertThat(MetricsServer.parse("[::1]:9464")).isEqualTo(new InetSocketAddress("::1", 9464));
        assertThatThrownBy(() -> MetricsServer.parse("eth0")).hasMessageContaining("[ADDR:]PORT");
        assertThatThrownBy(() -> MetricsServer.parse("70000")).hasMessageContaining("0..65535");
    }
}
