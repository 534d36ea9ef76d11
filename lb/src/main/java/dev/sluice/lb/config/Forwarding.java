package dev.sluice.lb.config;

/** How a VIP's packets reach the chosen backend. */
public enum Forwarding {
    /** L2 direct server return: rewrite the MACs, send back out the same port. */
    DSR,
    /** IPIP, IP6IP6, 4-in-6 or 6-in-4, to the next hop of the route to the backend. */
    IPIP,
    /** GUE variant 1 (RFC 8086: the IP packet directly in UDP). */
    GUE
}
