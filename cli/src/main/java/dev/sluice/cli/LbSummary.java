package dev.sluice.cli;

import dev.sluice.lb.control.LoadBalancer;
import dev.sluice.lb.dataplane.LbCounters;

import java.util.Map;

/** The data plane's totals over the workers, added to {@code sluice lb}'s summary line. */
final class LbSummary {
    private LbSummary() {
    }

    /**
     * Adds every counter of the {@code lb} groups summed over the workers: the ones before the drop
     * reasons always, each {@code drop_*} reason only when it happened. The data plane's own total
     * of drops is {@code lb_dropped} ({@code dropped} is the kernel's and the rings', as in fwd).
     */
    static void add(LoadBalancer lb, Map<String, String> summary) {
        for (int c = 0; c < LbCounters.COUNT; c++) {
            long total = 0;
            for (LbCounters counters : lb.counters()) {
                total += counters.get(c);
            }
            String name = LbCounters.name(c);
            if (c < LbCounters.DROP_NOT_IP || total != 0) {
                summary.put(name.equals("dropped") ? "lb_dropped" : name, Long.toString(total));
            }
        }
    }
}
