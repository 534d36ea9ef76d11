/**
 * The running balancer's admin socket: a Unix domain socket beside its counters file, owner-only,
 * that answers {@code status}, {@code reload}, {@code drain} and {@code undrain} requests
 * ({@link dev.sluice.lb.admin.AdminProtocol} describes the bytes). {@link dev.sluice.lb.admin.AdminServer}
 * serves it on daemon threads, never on a worker; {@link dev.sluice.lb.admin.AdminClient} is the
 * other end (the {@code sluice lb} subcommands); {@link dev.sluice.lb.admin.LoadBalancerAdmin}
 * answers requests with a {@link dev.sluice.lb.control.LoadBalancer}'s control-plane methods and
 * {@link dev.sluice.lb.admin.StatusText} writes its status as a table for people.
 */
package dev.sluice.lb.admin;
