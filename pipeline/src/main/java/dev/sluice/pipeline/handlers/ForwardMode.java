package dev.sluice.pipeline.handlers;

/** What {@link ForwardHandler} does with each packet: DPDK testpmd's forward modes, by their names. */
public enum ForwardMode {
    /** Receive and give the frame back: measures receive alone. */
    RXONLY,
    /** Send every packet back out unchanged. */
    IO,
    /** Swap source and destination MAC, send back out. */
    MACSWAP,
    /**
     * Swap MACs, IPv4/IPv6 addresses and TCP/UDP ports, send back out: the reply of a 5-tuple.
     * Checksums stay valid (a swap does not change a one's-complement sum).
     */
    FIVETUPLESWAP;

    public static ForwardMode parse(String s) {
        for (ForwardMode m : values()) {
            if (m.label().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown forward mode '" + s + "' (rxonly, io, macswap, 5tswap)");
    }

    /** The name used on the command line (testpmd's). */
    public String label() {
        return this == FIVETUPLESWAP ? "5tswap" : name().toLowerCase();
    }
}
