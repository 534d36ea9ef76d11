package dev.sluice.cli;

import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersReader;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves a counters file, this process's or another's, to Prometheus, deriving every name and
 * label from the file: counter {@code <name>} of a group of kind {@code <kind>} with labels
 * {@code k=v ...} becomes {@code sluice_<kind>_<name>_total{instance="...",k="v",...}}, e.g.
 * {@code sluice_port_rx_packets_total{instance="fwd-eth0",port="afxdp:eth0/0"}} or
 * {@code sluice_lb_backend_packets_total{instance="lb",vip="web",backend="10.0.1.11"}}; a gauge
 * has no {@code _total}. {@code sluice_up} is 1 while the instance runs. Reads the file on every
 * scrape; nothing cached but the group descriptions the reader decoded once.
 */
final class CountersCollector implements MultiCollector {
    private final CountersReader reader;
    private final String instance;
    private final Liveness liveness;

    /** Whether the instance behind the file still runs (checked per scrape). */
    interface Liveness {
        boolean running();
    }

    CountersCollector(CountersReader reader, Liveness liveness) {
        this.reader = reader;
        this.instance = reader.instanceName();
        this.liveness = liveness;
    }

    @Override
    public MetricSnapshots collect() {
        List<CountersReader.Group> groups;
        boolean up = liveness.running();
        try {
            groups = reader.snapshot();
        } catch (IllegalStateException unmapped) {
            groups = List.of(); // the file was closed while we were asked: the instance is ending
            up = false;
        }
        Map<String, Family> families = new LinkedHashMap<>();
        for (CountersReader.Group g : groups) {
            Labels labels = labels(g);
            for (CountersReader.Counter c : g.counters()) {
                String name = metricName(g.kind(), c.name());
                Family f = families.computeIfAbsent(name, n -> new Family(c.type(), g.kind()));
                if (f.type == c.type()) {
                    f.add(labels, c.value());
                } // else: two groups of one kind disagree on a counter's type; the first one seen names the family
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(GaugeSnapshot.builder().name("sluice_up").help("1 while the sluice instance runs")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("instance", instance))
                        .value(up ? 1 : 0).build()).build());
        families.forEach((name, f) -> out.add(f.snapshot(name)));
        return new MetricSnapshots(out);
    }

    /** {@code sluice_<kind>_<name>}; the exposition adds {@code _total} to counters. */
    static String metricName(String kind, String counter) {
        return "sluice_" + sanitize(kind) + "_" + sanitize(counter);
    }

    /** {@code instance} first, then the group's labels; a group label named {@code instance} becomes {@code exported_instance}. */
    private Labels labels(CountersReader.Group g) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        names.add("instance");
        values.add(instance);
        for (int i = 0; i < g.labels().size(); i++) {
            String key = sanitize(g.labels().key(i));
            names.add(key.equals("instance") ? "exported_instance" : key);
            values.add(g.labels().value(i));
        }
        return Labels.of(names, values);
    }

    /** Metric and label names: {@code [a-zA-Z0-9_]}, not starting with a digit. */
    static String sanitize(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_]", "_");
        return t.isEmpty() || Character.isDigit(t.charAt(0)) ? "_" + t : t;
    }

    /** The data points of one metric; the same labels twice (two groups of one kind and labels) are summed. */
    private static final class Family {
        final CounterType type;
        final String kind;
        final Map<Labels, Long> points = new LinkedHashMap<>();

        Family(CounterType type, String kind) {
            this.type = type;
            this.kind = kind;
        }

        void add(Labels labels, long value) {
            points.merge(labels, value, Long::sum);
        }

        MetricSnapshot snapshot(String name) {
            if (type == CounterType.GAUGE) {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help("sluice gauge of each " + kind);
                points.forEach((l, v) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(v).build()));
                return b.build();
            }
            CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help("sluice counter of each " + kind);
            points.forEach((l, v) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(v).build()));
            return b.build();
        }
    }
}
