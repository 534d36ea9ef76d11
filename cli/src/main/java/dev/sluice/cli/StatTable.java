package dev.sluice.cli;

import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersDirectory.Instance;
import dev.sluice.counters.CountersReader;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One frame of {@code sluice stat}'s live table: every counter of every group with its value and
 * its rate since the previous frame, all derived from the file alone (no kind is special). A
 * counter whose name ends in {@code _ns} counts time: its rate is shown as a share of wall time
 * (a worker's {@code busy_ns} at 25 % is busy a quarter of the time). Gauges show no rate.
 */
final class StatTable {
    private final Instance instance;
    private final CountersReader reader;
    /** Last value by group record, group sequence (a reused record is another group) and counter name. */
    private final Map<String, Long> previous = new HashMap<>();
    private long previousNanos;

    StatTable(Instance instance, CountersReader reader) {
        this.instance = instance;
        this.reader = reader;
    }

    String render(long nowMillis, long nowNanos) {
        List<CountersReader.Group> groups = reader.snapshot();
        double secs = previousNanos == 0 ? 0 : (nowNanos - previousNanos) / 1e9;
        StringBuilder sb = new StringBuilder();
        long up = Math.max(0, nowMillis - instance.startTimeMillis()) / 1000;
        sb.append(String.format(Locale.ROOT, "%s (pid %d) up %d:%02d:%02d, heartbeat %.1f s ago, %d groups%n",
                instance.name(), instance.pid(), up / 3600, up / 60 % 60, up % 60,
                Math.max(0, nowMillis - reader.heartbeatOpaque()) / 1000.0, groups.size()));
        // The group column fits the longest group (a balancer's "lb_backend vip=... backend=..." is long).
        int width = 32;
        for (CountersReader.Group g : groups) {
            width = Math.max(width, g.toString().length());
        }
        String row = "%-" + width + "s %-22s %20s %16s%n";
        sb.append(String.format(Locale.ROOT, row, "GROUP", "COUNTER", "VALUE", "PER SECOND"));
        for (CountersReader.Group g : groups) {
            String group = g.toString();
            for (CountersReader.Counter c : g.counters()) {
                Long before = previous.put(g.id() + ":" + g.sequence() + ":" + c.name(), c.value());
                String rate = secs <= 0 || before == null || c.type() == CounterType.GAUGE ? "" : rate(c.name(), c.value() - before, secs);
                sb.append(String.format(Locale.ROOT, row, group, c.name(), RateReport.group(c.value()), rate));
            }
        }
        previousNanos = nowNanos;
        return sb.toString();
    }

    /** Per second, or for a time counter ({@code _ns}) the share of wall time. */
    static String rate(String name, long delta, double secs) {
        if (name.endsWith("_ns")) {
            return String.format(Locale.ROOT, "%.2f %%", 100.0 * delta / (secs * 1e9));
        }
        return RateReport.group(delta / secs);
    }
}
