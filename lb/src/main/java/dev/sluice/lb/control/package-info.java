/**
 * The load balancer's control plane, embeddable without the CLI: {@link dev.sluice.lb.control.LoadBalancer}
 * opens the interface on every RX queue, steers the VIPs' packets to its sockets, builds the
 * forwarding tables off the fast path (backends' and next hops' MACs from the kernel, refreshed in
 * the background) and runs one {@link dev.sluice.lb.dataplane.LbHandler} per worker, after
 * {@code LbWarmUp} has run the same data path over a simulated queue. While it runs, one
 * control thread ({@code ControlPlane}) applies every change, one at a time:
 * reloads (checked first by {@link dev.sluice.lb.control.ReloadPlan}), drains, health-check results
 * and MAC changes, each as new tables published to the workers; it also keeps the per-VIP and
 * per-backend counters current and answers {@link dev.sluice.lb.control.LoadBalancer#status()}.
 */
package dev.sluice.lb.control;
