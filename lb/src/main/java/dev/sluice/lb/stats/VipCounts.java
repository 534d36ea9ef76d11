package dev.sluice.lb.stats;

/**
 * A VIP's counts as of the last {@link LbMetrics#update}.
 *
 * @param packets          packets forwarded to its backends
 * @param bytes            their bytes, as received
 * @param newFlows         flows Maglev gave one of its backends
 * @param dropped          its packets dropped once the VIP was known (no backend, no MAC, too big, ...)
 * @param packetsPerSecond the forwarded packet rate between the last two updates
 */
public record VipCounts(long packets, long bytes, long newFlows, long dropped, double packetsPerSecond) {
    /** Nothing counted (a VIP not configured). */
    public static final VipCounts ZERO = new VipCounts(0, 0, 0, 0, 0);
}
