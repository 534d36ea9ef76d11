package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.Forwarding;

import java.net.InetAddress;

/**
 * Where the table builder learns MAC addresses it cannot take from the configuration: for a
 * {@link Forwarding#DSR} backend its own MAC (the kernel's neighbour table), for an encapsulated
 * backend the MAC of the next hop of the route to it. The control plane's next-hop refresher
 * provides it; tests use a map. Called only while building tables, never on the data path.
 */
@FunctionalInterface
public interface MacSource {
    /** Returned when the MAC is not known (yet). */
    long UNKNOWN = -1L;

    /** The MAC (48 low bits) to send {@code target}'s packets to in {@code mode}, or {@link #UNKNOWN}. */
    long mac(InetAddress target, Forwarding mode);

    /** Knows no MAC at all. */
    static MacSource none() {
        return (target, mode) -> UNKNOWN;
    }
}
