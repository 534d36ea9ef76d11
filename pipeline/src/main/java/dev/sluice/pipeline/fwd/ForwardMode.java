package dev.sluice.pipeline.fwd;

/** What a forwarding loop does with each received packet (after DPDK testpmd's forward modes). */
public enum ForwardMode {
    /** Receive and give the frame back: measures receive alone. */
    RXONLY,
    /** Send every packet back out unchanged. */
    IO,
    /** Swap source and destination MAC, send back out. */
    MACSWAP;

    public static ForwardMode parse(String s) {
        for (ForwardMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown forward mode '" + s + "' (rxonly, io, macswap)");
    }

    public String label() {
        return name().toLowerCase();
    }
}
