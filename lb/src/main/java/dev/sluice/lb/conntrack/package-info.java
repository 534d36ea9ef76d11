/**
 * The per-worker connection table: which backend each established flow went to, off-heap, fixed
 * capacity, with idle timeouts per protocol and eviction within a bucket
 * ({@link dev.sluice.lb.conntrack.ConnectionTable}, keyed by
 * {@link dev.sluice.lb.conntrack.FlowKey}, laid out as
 * {@link dev.sluice.lb.conntrack.ConnectionTableDescriptor} says).
 */
package dev.sluice.lb.conntrack;
