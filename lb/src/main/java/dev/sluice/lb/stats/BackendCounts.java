package dev.sluice.lb.stats;

/**
 * A backend's counts in one VIP as of the last {@link LbMetrics#update}.
 *
 * @param packets          packets forwarded to it
 * @param bytes            their bytes, as received
 * @param newFlows         flows Maglev gave it
 * @param packetsPerSecond the packet rate between the last two updates
 */
public record BackendCounts(long packets, long bytes, long newFlows, double packetsPerSecond) {
    /** Nothing counted (a backend not configured). */
    public static final BackendCounts ZERO = new BackendCounts(0, 0, 0, 0);
}
