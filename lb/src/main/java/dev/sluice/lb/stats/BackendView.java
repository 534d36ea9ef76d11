package dev.sluice.lb.stats;

import java.net.InetAddress;

/**
 * The control plane's answer about a configured backend of a VIP, for the gauges {@link LbMetrics}
 * publishes. Asked on the thread that calls {@link LbMetrics#update}; must not block.
 */
public interface BackendView {
    /** Whether its health check says up (true when the VIP has no check). */
    boolean up(String vip, InetAddress backend);

    /** Whether an operator drained it. */
    boolean drained(String vip, InetAddress backend);

    /** The configured weight. */
    int weight(String vip, InetAddress backend);

    /** The weight its VIP's Maglev table was built with: 0 when drained, down or unresolved. */
    int effectiveWeight(String vip, InetAddress backend);

    /** How many times its health state changed since the balancer started. */
    long healthChanges(String vip, InetAddress backend);
}
