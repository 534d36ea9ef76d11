package dev.sluice.lb.stats;

/**
 * {@link LbMetrics#apply} found no room for a configuration's statistics: no {@link LbStats} row
 * left, or the counters file full. What a user can cause (by configuring more VIPs and backends
 * than the balancer was sized for); the message says which and what to do. Nothing was changed.
 */
public final class StatsFullException extends IllegalStateException {
    public StatsFullException(String message) {
        super(message);
    }

    public StatsFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
