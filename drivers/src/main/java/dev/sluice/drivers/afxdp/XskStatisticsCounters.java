package dev.sluice.drivers.afxdp;

import dev.sluice.counters.CounterAllocator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The kernel's counters of one AF_XDP socket ({@code XDP_STATISTICS}: why it dropped packets, how
 * often RX was full or FILL empty) copied into counters next to the queue's own, so that a reader
 * of the counters file sees them without a syscall into someone else's socket. The kernel only
 * hands them out through {@code getsockopt}, so one thread (the instance's once-per-second
 * reporter, never the data path) calls {@link #update()}; it is their single writer.
 */
public final class XskStatisticsCounters {
    private static final VarHandle LONGS = ValueLayout.JAVA_LONG.varHandle();

    public static final int RX_DROPPED = 0;
    public static final int RX_INVALID_DESCS = 1;
    public static final int TX_INVALID_DESCS = 2;
    public static final int RX_RING_FULL = 3;
    public static final int RX_FILL_EMPTY = 4;
    public static final int TX_RING_EMPTY = 5;
    public static final int COUNT = 6;

    private static final String[] NAMES = {
        "rx_dropped", "rx_invalid_descs", "tx_invalid_descs", "rx_ring_full", "rx_fill_empty", "tx_ring_empty"
    };

    private final AfXdpQueue queue;
    private final MemorySegment values;

    private XskStatisticsCounters(AfXdpQueue queue, MemorySegment values) {
        this.queue = queue;
        this.values = values;
    }

    /** Allocates the kernel counters of {@code queue} under the owner of its port counters ("port " + name). */
    public static XskStatisticsCounters allocate(CounterAllocator allocator, AfXdpQueue queue) {
        return new XskStatisticsCounters(queue, allocator.allocate("port " + queue.name(), NAMES, CounterAllocator.TYPE_COUNTER));
    }

    public static String name(int counter) {
        return NAMES[counter];
    }

    /** Reads the socket's statistics (one getsockopt) and stores them; single writer, off the data path. */
    public XskStatistics update() {
        XskStatistics s = queue.statistics();
        store(RX_DROPPED, s.rxDropped());
        store(RX_INVALID_DESCS, s.rxInvalidDescs());
        store(TX_INVALID_DESCS, s.txInvalidDescs());
        store(RX_RING_FULL, s.rxRingFull());
        store(RX_FILL_EMPTY, s.rxFillRingEmptyDescs());
        store(TX_RING_EMPTY, s.txRingEmptyDescs());
        return s;
    }

    public long get(int counter) {
        return (long) LONGS.getOpaque(values, counter * 8L);
    }

    private void store(int counter, long value) {
        // Opaque: a whole value for readers in any process; nothing else is published with it.
        LONGS.setOpaque(values, counter * 8L, value);
    }
}
