/**
 * The load balancer's control plane, embeddable without the CLI: {@link dev.sluice.lb.control.LoadBalancer}
 * opens the interface on every RX queue, steers the VIPs' packets to its sockets, builds the
 * forwarding tables off the fast path (backends' and next hops' MACs from the kernel, refreshed in
 * the background) and runs one {@link dev.sluice.lb.dataplane.LbHandler} per worker.
 */
package dev.sluice.lb.control;
