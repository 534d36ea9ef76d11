package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.counters.CountersFile;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
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
    void ownersBecomeMetricFamiliesAndLabels() throws Exception {
        try (CountersFile file = CountersFile.create(dir, "fwd-eth0", "test", 64)) {
            PortCounters q0 = PortCounters.allocate(file, "port afxdp:eth0/0");
            PortCounters q1 = PortCounters.allocate(file, "port afxdp:eth0/1");
            file.allocate("port afxdp:eth0/0", new String[] {"rx_ring_full"}).set(ValueLayout.JAVA_LONG, 0, 4);
            file.allocate("worker 1", new String[] {"idle_polls"}).set(ValueLayout.JAVA_LONG, 0, 1000);
            file.allocate("pool main", new String[] {"frames-free"}, CounterAllocator.TYPE_GAUGE).set(ValueLayout.JAVA_LONG, 0, 77);
            q0.add(PortCounters.RX_PACKETS, 5);
            q1.add(PortCounters.RX_PACKETS, 6);
            String text = scrape(new CountersCollector(file.reader(), () -> true));
            assertThat(text)
                    .contains("# TYPE sluice_port_rx_packets_total counter")
                    .contains("sluice_port_rx_packets_total{instance=\"fwd-eth0\",port=\"afxdp:eth0/0\"} 5.0")
                    .contains("sluice_port_rx_packets_total{instance=\"fwd-eth0\",port=\"afxdp:eth0/1\"} 6.0")
                    .contains("sluice_port_rx_ring_full_total{instance=\"fwd-eth0\",port=\"afxdp:eth0/0\"} 4.0")
                    .contains("sluice_worker_idle_polls_total{instance=\"fwd-eth0\",worker=\"1\"} 1000.0")
                    .contains("# TYPE sluice_pool_frames_free gauge")
                    .contains("sluice_pool_frames_free{instance=\"fwd-eth0\",pool=\"main\"} 77.0")
                    .contains("sluice_up{instance=\"fwd-eth0\"} 1.0");
        }
    }

    @Test
    void aClosedFileScrapesAsDown() throws Exception {
        CountersFile file = CountersFile.create(dir, "gone", "test", 8);
        CountersCollector collector = new CountersCollector(file.reader(), () -> true);
        file.allocate("worker 0", new String[] {"busy_polls"});
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
