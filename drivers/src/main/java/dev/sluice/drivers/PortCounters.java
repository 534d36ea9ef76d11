package dev.sluice.drivers;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.sys.AddressSpace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Counters of one port, written by its data-path thread only and read by any thread (stats lines,
 * tests) or, when the segment comes from a counters file, by another process ({@code sluice stat}).
 * Writers use a plain add followed by one opaque store; readers use opaque loads, so a reader never
 * sees a torn value, sees each counter's values in the order they were written, and the writer
 * pays no fence. Nothing else is published through a counter, so release/acquire would buy nothing.
 *
 * <p>Backed by a segment of {@link #COUNT} {@code u64} slots from a {@link CounterAllocator}; the
 * no-argument constructor keeps them in this process's memory.
 */
public final class PortCounters {
    private static final VarHandle LONGS = ValueLayout.JAVA_LONG.varHandle();

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

    /** The counters' memory, kept for its lifetime; readers use it (checked). */
    private final MemorySegment values;
    /** {@code values.address()}: the writer addresses the counters through {@link AddressSpace#ALL}. */
    private final long base;

    /** Counters in this process's memory. */
    public PortCounters() {
        this(CounterAllocator.inMemory().allocate("port", NAMES));
    }

    /** Counters over {@code values}: {@link #COUNT} {@code u64} slots, 8-byte aligned, in {@link #name} order. */
    public PortCounters(MemorySegment values) {
        if (values.byteSize() < COUNT * 8L || values.address() % 8 != 0 || !values.isNative()) {
            throw new IllegalArgumentException("port counters need " + COUNT * 8 + " bytes of native memory, 8-byte aligned; got "
                + values);
        }
        this.values = values;
        this.base = values.address();
    }

    /** Allocates the counters of {@code owner} (e.g. {@code "port afxdp:eth0/0"}) from {@code allocator}. */
    public static PortCounters allocate(CounterAllocator allocator, String owner) {
        return new PortCounters(allocator.allocate(owner, NAMES, CounterAllocator.TYPE_COUNTER));
    }

    /**
     * Adds to a counter; single writer, on the data path. Plain load (the writer is the only one
     * that stores, so it reads its own last value), opaque store; through {@link AddressSpace#ALL}:
     * stop the writer before freeing the counters (closing the counters file).
     */
    public void add(int counter, long delta) {
        long address = base + counter * 8L;
        long v = (long) LONGS.get(AddressSpace.ALL, address);
        // Opaque: readers on other threads see whole, eventually-current values; no fence needed.
        LONGS.setOpaque(AddressSpace.ALL, address, v + delta);
    }

    public long get(int counter) {
        return (long) LONGS.getOpaque(values, counter * 8L);
    }

    public static String name(int counter) {
        return NAMES[counter];
    }

    /** Every counter's name, in index order. */
    public static String[] names() {
        return NAMES.clone();
    }

    /** Sums {@code other} into this (for totals over queues); called off the data path. */
    public void addAll(PortCounters other) {
        for (int i = 0; i < COUNT; i++) {
            add(i, other.get(i));
        }
    }
}
