package dev.sluice.lb.control;

/**
 * One backend of a {@link VipStatus}.
 *
 * @param address          its address, as text
 * @param weight           the configured weight
 * @param effectiveWeight  the weight new flows see now: 0 when down, drained, unresolved or
 *                         configured 0, else the configured weight
 * @param health           "up", "down", or "unchecked" (the VIP has no health check)
 * @param drained          an operator drained it: no new flows, its established flows stay
 * @param unresolved       its packets cannot be addressed (no MAC known): no new flows
 * @param packets          packets forwarded to it (for this VIP)
 * @param bytes            bytes of those packets
 * @param newFlows         flows Maglev gave it
 * @param packetsPerSecond over the last update interval
 * @param lastFailure      why the last failed health check failed, or null when none failed yet
 */
public record BackendStatus(String address, int weight, int effectiveWeight, String health, boolean drained,
                            boolean unresolved, long packets, long bytes, long newFlows, double packetsPerSecond,
                            String lastFailure) {
    public static final String UP = "up";
    public static final String DOWN = "down";
    public static final String UNCHECKED = "unchecked";
}
