/**
 * Per-VIP and per-backend statistics of the balancer. Workers count into their own rows of
 * {@link dev.sluice.lb.stats.LbStats} (one cache line per VIP or backend, single writer);
 * {@link dev.sluice.lb.stats.LbMetrics} gives the rows out for a configuration
 * ({@link dev.sluice.lb.stats.StatsRows}, asked by the table builder), sums them over the workers
 * on the control thread and publishes the sums as counter groups of kinds {@code lb_vip} and
 * {@code lb_backend}, labelled with the VIP's name and the backend's address.
 */
package dev.sluice.lb.stats;
