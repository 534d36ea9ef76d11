package dev.sluice.drivers;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one port, written by its data-path thread only and read by any thread (stats lines,
 * tests). Writers use plain increments followed by one opaque store per burst; readers use opaque
 * loads, so a reader never sees a torn value and the writer pays no fence.
 */
public final class PortCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

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

    private static final String[] NAMES = {
        "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_ring_full", "fill_starved", "dropped",
        "kicks", "kicks_busy", "kick_errors"
    };

    private final long[] values = new long[COUNT];

    /** Adds to a counter; single writer. */
    public void add(int counter, long delta) {
        long v = (long) LONGS.getOpaque(values, counter);
        // Opaque: readers on other threads see whole, eventually-current values; no fence needed.
        LONGS.setOpaque(values, counter, v + delta);
    }

    public long get(int counter) {
        return (long) LONGS.getOpaque(values, counter);
    }

    public static String name(int counter) {
        return NAMES[counter];
    }

    /** Sums {@code other} into this (for totals over queues); called off the data path. */
    public void addAll(PortCounters other) {
        for (int i = 0; i < COUNT; i++) {
            add(i, other.get(i));
        }
    }
}
