package dev.sluice.drivers.afxdp;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterKind;
import dev.sluice.counters.Labels;

/**
 * The kernel's counters of one AF_XDP socket ({@code XDP_STATISTICS}: why it dropped packets, how
 * often RX was full or FILL empty) copied into a counter group of kind {@code xsk} labelled with
 * its queue ({@code port=afxdp:eth0/0}, as the queue's own {@code port} group), so that a reader of
 * the counters file sees them without a syscall into someone else's socket. The kernel only hands
 * them out through {@code getsockopt}, so one thread (the instance's once-per-second reporter, never
 * the data path) calls {@link #update()}; it is their single writer.
 */
public final class XskStatisticsCounters {
    public static final String KIND = "xsk";

    public static final int RX_DROPPED = 0;
    public static final int RX_INVALID_DESCS = 1;
    public static final int TX_INVALID_DESCS = 2;
    public static final int RX_RING_FULL = 3;
    public static final int RX_FILL_EMPTY = 4;
    public static final int TX_RING_EMPTY = 5;
    public static final int COUNT = 6;

    private static final CounterKind NAMES = new CounterKind(KIND,
        "rx_dropped", "rx_invalid_descs", "tx_invalid_descs", "rx_ring_full", "rx_fill_empty", "tx_ring_empty"
    );

    private final AfXdpQueue queue;
    private final CounterGroup group;

    private XskStatisticsCounters(AfXdpQueue queue, CounterGroup group) {
        this.queue = queue;
        this.group = group;
    }

    /** Allocates the kernel counters of {@code queue}, labelled {@code port=<queue name>}. */
    public static XskStatisticsCounters allocate(CounterAllocator allocator, AfXdpQueue queue) {
        return new XskStatisticsCounters(queue,
                NAMES.allocate(allocator, Labels.of("port", queue.name())));
    }

    public static String name(int counter) {
        return NAMES.name(counter);
    }

    /** Reads the socket's statistics (one getsockopt) and stores them; single writer, off the data path. */
    public XskStatistics update() {
        XskStatistics s = queue.statistics();
        group.set(RX_DROPPED, s.rxDropped());
        group.set(RX_INVALID_DESCS, s.rxInvalidDescs());
        group.set(TX_INVALID_DESCS, s.txInvalidDescs());
        group.set(RX_RING_FULL, s.rxRingFull());
        group.set(RX_FILL_EMPTY, s.rxFillRingEmptyDescs());
        group.set(TX_RING_EMPTY, s.txRingEmptyDescs());
        return s;
    }

    public long get(int counter) {
        return group.get(counter);
    }

    /** The group (to free it with the socket). */
    public CounterGroup group() {
        return group;
    }
}
