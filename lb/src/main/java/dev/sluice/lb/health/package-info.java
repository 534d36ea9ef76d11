/**
 * Health checks of the load balancer's backends, off the data path:
 * {@link dev.sluice.lb.health.HealthChecker} checks each {@link dev.sluice.lb.health.HealthTarget}
 * (a backend's address and its VIP's health block) over TCP or HTTP from the host's own stack, keeps
 * its {@link dev.sluice.lb.health.HealthState} with rise/fall counting, logs each change in one line
 * and tells a {@link dev.sluice.lb.health.HealthListener}, which republishes the forwarding tables.
 */
package dev.sluice.lb.health;
