/**
 * Where the balancer's frames go on the link: the MACs of DSR backends (the kernel's neighbour
 * table, resolved by the kernel on demand) and of encapsulation next hops (the kernel's route to the
 * backend, then the neighbour table), the interface's own addresses, MAC and MTU
 * ({@link dev.sluice.lb.nexthop.NextHops}), kept fresh by a daemon thread that tells the control
 * plane when a MAC changes ({@link dev.sluice.lb.nexthop.NextHopRefresher}). Control plane only:
 * the data plane sees the MACs in its published tables.
 */
package dev.sluice.lb.nexthop;
