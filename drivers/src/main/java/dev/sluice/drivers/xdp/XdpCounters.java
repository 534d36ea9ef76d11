package dev.sluice.drivers.xdp;

/**
 * A snapshot of a steering program's verdict counters, summed over CPUs (see
 * {@link XdpCountersDescriptor}). Counters only grow; subtract two snapshots for a rate.
 */
public record XdpCounters(long redirected, long noSocket, long notMatched, long notIp, long malformed) {
    /** Everything handed to the kernel stack. */
    public long passed() {
        return noSocket + notMatched + notIp + malformed;
    }

    public long total() {
        return redirected + passed();
    }

    public XdpCounters minus(XdpCounters earlier) {
        return new XdpCounters(redirected - earlier.redirected, noSocket - earlier.noSocket,
                notMatched - earlier.notMatched, notIp - earlier.notIp, malformed - earlier.malformed);
    }

    @Override
    public String toString() {
        return "redirected=" + redirected + " no_socket=" + noSocket + " not_matched=" + notMatched
                + " not_ip=" + notIp + " malformed=" + malformed;
    }
}
