package dev.sluice.systest;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balancer's per-VIP and per-backend statistics as Prometheus scrapes them: {@code sluice lb
 * --metrics} in {@link LbSandbox}, real HTTP through the VIPs, then {@code /metrics} has every VIP
 * ({@code sluice_lb_vip_*{vip=...}}) and every backend ({@code sluice_lb_backend_*{vip=...,backend=...}})
 * with what it forwarded; after a reload that removes a backend, that backend's series are gone.
 */
class LbMetricsSystemTest {
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{([^}]*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    @BeforeEach
    void privileged() {
        LbSandbox.requirePrivileges();
    }

    /** One sample of the exposition: metric name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    @Test
    void everyVipAndBackendIsScrapedWithItsLabelsAndARemovedBackendsSeriesGoAfterAReload() throws Exception {
        try (LbSandbox box = LbSandbox.create("metrics", 3)) {
            box.startBackends();
            try (LbProcess lb = box.startBalancer(LbDsrSystemTest.dsrConfig(box), "--metrics", "127.0.0.1:0")) {
                Path config = box.configFile();
                String url = lb.awaitLine(Duration.ofSeconds(30), "metrics http://").substring("metrics ".length()).strip();
                Map<String, Integer> answered = LbDsrSystemTest.requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
                int requests = answered.values().stream().mapToInt(Integer::intValue).sum();

                // The control thread publishes the sums about every 250 ms: wait until the VIP shows every connection.
                Await.until(() -> value(scrape(box, url), "sluice_lb_vip_new_flows_total", "vip", "web4") >= requests,
                        Duration.ofSeconds(30), () -> "web4's new flows reach " + requests + "; scrape:\n" + lbSeries(box, url));
                List<Sample> s = scrape(box, url);
                String instance = "lb-" + box.lbIf;
                double sumPackets = 0;
                double sumBytes = 0;
                for (int i = 1; i <= 3; i++) {
                    String b4 = LbSandbox.backend4(i);
                    Sample p = sample(s, "sluice_lb_backend_packets_total", "vip", "web4", "backend", b4);
                    assertThat(p).as("web4 backend " + b4 + " in:\n" + lbSeries(box, url)).isNotNull();
                    assertThat(p.labels()).containsEntry("instance", instance);
                    // each answered request is at least a SYN, the request and the client's FIN and ACKs
                    assertThat(p.value()).as("packets to " + b4).isGreaterThanOrEqualTo(3.0 * answered.getOrDefault("b" + i, 0));
                    assertThat(value(s, "sluice_lb_backend_new_flows_total", "vip", "web4", "backend", b4))
                            .as("new flows of " + b4).isGreaterThanOrEqualTo(answered.getOrDefault("b" + i, 0));
                    assertThat(value(s, "sluice_lb_backend_bytes_total", "vip", "web4", "backend", b4))
                            .isGreaterThanOrEqualTo(60.0 * p.value()); // at least an Ethernet + IPv4 + TCP header each
                    assertThat(value(s, "sluice_lb_backend_up", "vip", "web4", "backend", b4)).isEqualTo(1);
                    assertThat(value(s, "sluice_lb_backend_weight", "vip", "web4", "backend", b4)).isEqualTo(i == 3 ? 2 : 1);
                    assertThat(value(s, "sluice_lb_backend_effective_weight", "vip", "web4", "backend", b4)).isEqualTo(i == 3 ? 2 : 1);
                    assertThat(value(s, "sluice_lb_backend_drained", "vip", "web4", "backend", b4)).isZero();
                    assertThat(sample(s, "sluice_lb_backend_health_changes_total", "vip", "web4", "backend", b4)).isNotNull();
                    sumPackets += p.value();
                    sumBytes += value(s, "sluice_lb_backend_bytes_total", "vip", "web4", "backend", b4);
                    // the IPv6 VIP's backends are there too, before any packet
                    assertThat(sample(s, "sluice_lb_backend_packets_total", "vip", "web6", "backend", LbSandbox.backend6(i)))
                            .as("web6 backend " + LbSandbox.backend6(i)).isNotNull();
                }
                assertThat(value(s, "sluice_lb_vip_packets_total", "vip", "web4")).isGreaterThanOrEqualTo(sumPackets);
                assertThat(value(s, "sluice_lb_vip_bytes_total", "vip", "web4")).isGreaterThanOrEqualTo(sumBytes);
                assertThat(value(s, "sluice_lb_vip_backends", "vip", "web4")).isEqualTo(3);
                assertThat(value(s, "sluice_lb_vip_backends_up", "vip", "web4")).isEqualTo(3);
                assertThat(value(s, "sluice_lb_vip_dropped_total", "vip", "web4")).isZero();
                for (String name : List.of("conn_hit", "conn_miss", "drop_no_backend", "drop_no_mac")) {
                    assertThat(sample(s, "sluice_lb_vip_" + name + "_total", "vip", "web4")).as(name).isNotNull();
                }
                assertThat(value(s, "sluice_lb_vip_packets_total", "vip", "web6")).isZero();

                // A reload that removes web4's third backend: its series go, the others stay.
                String removed = LbSandbox.backend4(3);
                Files.writeString(config, Files.readString(config).replace("      - {address: " + removed + ", weight: 2}\n", ""));
                assertThat(Files.readString(config)).doesNotContain(removed);
                Cli.Result reload = lb.admin("reload");
                assertThat(reload.exit()).as(reload.out() + reload.err()).isZero();
                Await.until(() -> scrape(box, url).stream().noneMatch(x -> removed.equals(x.labels().get("backend"))),
                        Duration.ofSeconds(30), () -> "no series of " + removed + " after the reload; scrape:\n" + lbSeries(box, url));
                List<Sample> after = scrape(box, url);
                assertThat(sample(after, "sluice_lb_backend_packets_total", "vip", "web4", "backend", LbSandbox.backend4(1))).isNotNull();
                assertThat(sample(after, "sluice_lb_backend_packets_total", "vip", "web6", "backend", LbSandbox.backend6(3))).isNotNull();
                Await.until(() -> value(scrape(box, url), "sluice_lb_vip_backends", "vip", "web4") == 2, Duration.ofSeconds(30),
                        () -> "web4 has 2 backends; scrape:\n" + lbSeries(box, url));
                // and the remaining backends keep counting
                Map<String, Integer> more = LbDsrSystemTest.requests(box, "http://" + LbSandbox.VIP4 + "/who", lb);
                assertThat(more).doesNotContainKey("b3");
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
            }
        }
    }

    /** The balancer's own series of a scrape (for messages). */
    private static String lbSeries(LbSandbox box, String url) {
        StringBuilder sb = new StringBuilder();
        for (Sample x : scrape(box, url)) {
            if (x.name().startsWith("sluice_lb_vip") || x.name().startsWith("sluice_lb_backend")) {
                sb.append(x).append('\n');
            }
        }
        return sb.toString();
    }

    /** Scrapes {@code url} from inside the balancer's namespace (it listens on its 127.0.0.1). */
    static List<Sample> scrape(LbSandbox box, String url) {
        String body = box.exec(box.lbNs, "curl", "-s", "--max-time", "10", url);
        List<Sample> samples = new ArrayList<>();
        for (String line : body.lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }

    /** The sample of {@code name} whose labels include {@code keysAndValues}, or null. */
    static Sample sample(List<Sample> samples, String name, String... keysAndValues) {
        for (Sample s : samples) {
            boolean match = s.name().equals(name);
            for (int i = 0; match && i < keysAndValues.length; i += 2) {
                match = keysAndValues[i + 1].equals(s.labels().get(keysAndValues[i]));
            }
            if (match) {
                return s;
            }
        }
        return null;
    }

    /** As {@link #sample}, its value; -1 when there is no such sample. */
    static double value(List<Sample> samples, String name, String... keysAndValues) {
        Sample s = sample(samples, name, keysAndValues);
        return s == null ? -1 : s.value();
    }
}
