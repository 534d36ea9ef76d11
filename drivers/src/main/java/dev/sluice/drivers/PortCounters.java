package dev.sluice.drivers;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterKind;
import dev.sluice.counters.Labels;

/**
 * Counters of one port: a {@link CounterGroup} of kind {@code port} with the label
 * {@code port=<name>} (e.g. {@code port=afxdp:eth0/0}), written by the port's data-path thread only
 * and read by any thread (stats lines, tests) or, when the group lives in a counters file, by
 * another process ({@code sluice stat}). The writer adds through {@link CounterGroup#addOpaque}
 * (plain load, opaque store, by absolute address: no segment checks per update).
 */
public final class PortCounters {
    public static final String KIND = "port";

    public static final int RX_PACKETS = 0;
    public static final int RX_BYTES = 1;
    public static final int TX_PACKETS = 2;
    public static final int TX_BYTES = 3;
    /** Packets dropped because the TX ring was full after a kick. */
    public static final int TX_RING_FULL = 4;
    /** Refills that found no free frame to post to the FILL ring. */
    public static final int FILL_STARVED = 5;
    /** Packets given back unsent (handler verdict: drop). */
    public static final int DROPPED = 6;
    /** sendto/recvfrom wake-ups issued. */
    public static final int KICKS = 7;
    /** Kicks that failed with a transient errno (EAGAIN, EBUSY, ENOBUFS). */
    public static final int KICKS_BUSY = 8;
    /** Kicks that failed with another errno (e.g. ENETDOWN): the interface went away or down. */
    public static final int KICK_ERRORS = 9;
    public static final int COUNT = 10;

    private static final CounterKind NAMES = new CounterKind(KIND,
        "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_ring_full", "fill_starved", "dropped",
        "kicks", "kicks_busy", "kick_errors"
    );

    /** The group, kept for its lifetime; readers use it (checked). */
    private final CounterGroup group;
    /** The address of counter 0: the writer adds through {@link CounterGroup#addOpaque}. */
    private final long base;

    /** Counters in this process's memory, for a port of no name. */
    public PortCounters() {
        this(NAMES.allocate(CounterAllocator.inMemory(), Labels.none()));
    }

    private PortCounters(CounterGroup group) {
        this.group = group;
        this.base = group.address(0);
    }

    /** Allocates the counters of port {@code portName} (e.g. {@code afxdp:eth0/0}) from {@code allocator}. */
    public static PortCounters allocate(CounterAllocator allocator, String portName) {
        return new PortCounters(NAMES.allocate(allocator, Labels.of(KIND, portName)));
    }

    /**
     * Adds to a counter; single writer, on the data path. No liveness check: stop the writer before
     * freeing the counters (closing the group or its counters file).
     */
    public void add(int counter, long delta) {
        CounterGroup.addOpaque(base + counter * 8L, delta);
    }

    public long get(int counter) {
        return group.get(counter);
    }

    /** The group these counters are (to free it when the port closes, or to read its labels). */
    public CounterGroup group() {
        return group;
    }

    public static String name(int counter) {
        return NAMES.name(counter);
    }

    /** Every counter's name, in index order. */
    public static String[] names() {
        return NAMES.names();
    }

    /** Sums {@code other} into this (for totals over queues); called off the data path. */
    public void addAll(PortCounters other) {
        for (int i = 0; i < COUNT; i++) {
            add(i, other.get(i));
        }
    }
}
