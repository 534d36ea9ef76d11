package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CountersDirectory.Instance;
import dev.sluice.counters.CountersReader;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One frame of {@code sluice stat}'s live table: every counter with its value and its rate since
 * the previous frame, and for each worker its idle ratio over the same interval
 * ({@code idle_polls / (busy_polls + idle_polls)}).
 */
final class StatTable {
    private final Instance instance;
    private final CountersReader reader;
    private final Map<Integer, Long> previous = new HashMap<>();
    private long previousNanos;

    StatTable(Instance instance, CountersReader reader) {
        this.instance = instance;
        this.reader = reader;
    }

    String render(long nowMillis, long nowNanos) {
        List<CountersReader.Counter> counters = reader.snapshot();
        double secs = previousNanos == 0 ? 0 : (nowNanos - previousNanos) / 1e9;
        StringBuilder sb = new StringBuilder();
        long up = Math.max(0, nowMillis - instance.startTimeMillis()) / 1000;
        sb.append(String.format(Locale.ROOT, "%s (pid %d) up %d:%02d:%02d, heartbeat %.1f s ago, %d counters%n",
                instance.name(), instance.pid(), up / 3600, up / 60 % 60, up % 60,
                Math.max(0, nowMillis - reader.heartbeatOpaque()) / 1000.0, counters.size()));
        sb.append(String.format(Locale.ROOT, "%-28s %-22s %20s %16s%n", "OWNER", "COUNTER", "VALUE", "PER SECOND"));
        Map<String, long[]> polls = new LinkedHashMap<>();
        for (CountersReader.Counter c : counters) {
            Long before = previous.put(c.id(), c.value());
            long delta = before == null ? c.value() : c.value() - before;
            String rate = secs <= 0 || c.typeId() == CounterAllocator.TYPE_GAUGE ? ""
                    : RateReport.group(delta / secs);
            sb.append(String.format(Locale.ROOT, "%-28s %-22s %20s %16s%n", c.owner(), c.name(),
                    RateReport.group(c.value()), rate));
            if (c.name().equals("busy_polls")) {
                polls.computeIfAbsent(c.owner(), o -> new long[2])[0] = delta;
            } else if (c.name().equals("idle_polls")) {
                polls.computeIfAbsent(c.owner(), o -> new long[2])[1] = delta;
            }
        }
        polls.forEach((owner, p) -> {
            long total = p[0] + p[1];
            sb.append(String.format(Locale.ROOT, "%-28s %-22s %20s%n", owner, "idle_ratio",
                    total == 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", 100.0 * p[1] / total)));
        });
        previousNanos = nowNanos;
        return sb.toString();
    }
}
