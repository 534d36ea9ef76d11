package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
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
 * Serves a counters file, this process's or another's, to Prometheus: each counter of owner
 * {@code "<kind> <id>"} becomes {@code sluice_<kind>_<name>_total{instance="...", <kind>="<id>"}},
 * e.g. {@code sluice_port_rx_packets_total{instance="fwd-eth0",port="afxdp:eth0/0"}} or
 * {@code sluice_worker_idle_polls_total{instance="fwd-eth0",worker="0"}}; gauges keep their name.
 * {@code sluice_up} is 1 while the instance runs. Reads the file on every scrape; nothing cached
 * but the labels the reader decoded once.
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
        List<CountersReader.Counter> counters;
        boolean up = liveness.running();
        try {
            counters = reader.snapshot();
        } catch (IllegalStateException unmapped) {
            counters = List.of(); // the file was closed while we were asked: the instance is ending
            up = false;
        }
        Map<String, Family> families = new LinkedHashMap<>();
        for (CountersReader.Counter c : counters) {
            String owner = c.owner();
            int space = owner.indexOf(' ');
            String kind = sanitize(space < 0 ? owner : owner.substring(0, space));
            String name = "sluice_" + kind + "_" + sanitize(c.name());
            Labels labels = space < 0 ? Labels.of("instance", instance)
                    : Labels.of("instance", instance, kind.equals("instance") ? "owner" : kind, owner.substring(space + 1));
            families.computeIfAbsent(name, n -> new Family(c.typeId(), kind)).add(labels, c.value());
        }
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(GaugeSnapshot.builder().name("sluice_up").help("1 while the sluice instance runs")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("instance", instance))
                        .value(up ? 1 : 0).build()).build());
        families.forEach((name, f) -> out.add(f.snapshot(name)));
        return new MetricSnapshots(out);
    }

    /** Metric and label names: {@code [a-zA-Z0-9_]}, not starting with a digit. */
    static String sanitize(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_]", "_");
        return t.isEmpty() || Character.isDigit(t.charAt(0)) ? "_" + t : t;
    }

    /** The data points of one metric; the same labels twice (two groups, one owner) are summed. */
    private static final class Family {
        final int typeId;
        final String kind;
        final Map<Labels, Long> points = new LinkedHashMap<>();

        Family(int typeId, String kind) {
            this.typeId = typeId;
            this.kind = kind;
        }

        void add(Labels labels, long value) {
            points.merge(labels, value, Long::sum);
        }

        MetricSnapshot snapshot(String name) {
            if (typeId == CounterAllocator.TYPE_GAUGE) {
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
