package dev.sluice.lb.stats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The balancer's per-VIP and per-backend statistics as the workers count them: for each worker, a
 * block of rows of {@value #COLUMNS} {@code u64} columns. A row is what one VIP or one (VIP, backend)
 * counts (its columns: {@link StatsColumns}); {@link LbMetrics} hands rows out, sums them over the
 * workers and publishes the sums as labelled counter groups.
 *
 * <pre>
 * worker w's segment (its own native allocation, 128-byte aligned):
 *
 *  byte 0          64              128                       64 * rowCapacity
 *  +---------------+---------------+-----+---------------------+
 *  | row 0 (sink)  | row 1         | ... | row rowCapacity - 1 |
 *  +---------------+---------------+-----+---------------------+
 *
 * row r, one 64-byte cache line:
 *  +---------+---------+---------+---------+---------+---------+---------+---------+
 *  | col 0   | col 1   | col 2   | col 3   | col 4   | col 5   | col 6   | col 7   |  u64, native order
 *  +---------+---------+---------+---------+---------+---------+---------+---------+
 * </pre>
 *
 * Row {@link #SINK} belongs to nobody: the data path writes there for a VIP or backend that has no
 * row ({@link StatsRows#NONE}, or tables built for a configuration that was not applied), and nobody
 * reads it.
 *
 * <p>Off-heap rather than {@code long[]}: each worker's rows are a separate aligned allocation, so a
 * row is exactly one cache line and two workers never write the same line (a heap array's payload
 * starts after its header, not on a line boundary, and the GC may move it); and the data path's
 * VarHandle call sites keep seeing native segments only, like the counter groups'.
 *
 * <p>Writers: worker {@code w} alone writes through {@link #worker(int) worker(w)}. Readers (the
 * control thread through {@link #sum}) get whole values. The memory belongs to an automatic arena:
 * it is freed once neither this object nor any of its {@link WorkerStats} is reachable, so a worker
 * that still counts after {@link #close()} writes memory that is still its own.
 */
public final class LbStats implements AutoCloseable {
    /** Columns per row. */
    public static final int COLUMNS = 8;
    /** Bytes per row: one cache line. */
    public static final int ROW_BYTES = COLUMNS * Long.BYTES;
    /** The row written for "no row" and never read. */
    public static final int SINK = 0;
    /** Alignment of a worker's rows: two lines, so the adjacent-line prefetcher never pairs two workers' lines. */
    private static final long ALIGNMENT = 128;

    private final WorkerStats[] workers;
    private final int rowCapacity;

    /**
     * @param workers     the workers that count (each gets its own rows)
     * @param rowCapacity rows per worker, the {@link #SINK} included: at most {@code rowCapacity - 1}
     *                    VIPs and (VIP, backend) pairs have a row at once, quarantined ones included
     */
    public LbStats(int workers, int rowCapacity) {
        if (workers < 1) {
            throw new IllegalArgumentException("statistics need at least one worker, not " + workers);
        }
        if (rowCapacity < 1 || rowCapacity > (Integer.MAX_VALUE / ROW_BYTES)) {
            throw new IllegalArgumentException("statistics rows must be 1.." + Integer.MAX_VALUE / ROW_BYTES
                    + ", not " + rowCapacity);
        }
        this.rowCapacity = rowCapacity;
        Arena arena = Arena.ofAuto();
        this.workers = new WorkerStats[workers];
        for (int w = 0; w < workers; w++) {
            // Arena.allocate zeroes the memory.
            this.workers[w] = new WorkerStats(arena.allocate((long) rowCapacity * ROW_BYTES, ALIGNMENT));
        }
    }

    /** What worker {@code w} counts with (its single writer). */
    public WorkerStats worker(int w) {
        return workers[w];
    }

    public int workers() {
        return workers.length;
    }

    public int rowCapacity() {
        return rowCapacity;
    }

    /** Column {@code column} of row {@code row} summed over every worker (opaque loads; any thread). */
    public long sum(int row, int column) {
        long s = 0;
        for (WorkerStats w : workers) {
            s += w.get(row, column);
        }
        return s;
    }

    /**
     * Nothing to release at once: the rows are freed with the last reference to them (see above).
     * Here so that owners close statistics like every other resource of the balancer.
     */
    @Override
    public void close() {
    }

    /** The rows of worker {@code w} (tests). */
    MemorySegment segment(int w) {
        return workers[w].rows();
    }
}
