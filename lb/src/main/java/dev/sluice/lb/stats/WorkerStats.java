package dev.sluice.lb.stats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One worker's rows of {@link LbStats}. Single writer: that worker's handler, on the data path.
 * {@link #add} is a plain load and an opaque store, as a counter group's: the writer reads its own
 * last value, readers on other threads get whole, eventually-current values, and the writer pays no
 * fence (nothing else is published through a row). No allocation, no lock; the only check is the
 * segment's bounds check, which row numbers from {@link LbMetrics} always pass.
 */
public final class WorkerStats {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment rows;

    WorkerStats(MemorySegment rows) {
        this.rows = rows;
    }

    /** Adds {@code delta} to column {@code column} of row {@code row}; this worker's thread only. */
    public void add(int row, int column, long delta) {
        long offset = (long) row * LbStats.ROW_BYTES + (long) column * Long.BYTES;
        long v = (long) LONG.get(rows, offset);
        // Opaque: readers see whole values; single writer, no fence needed.
        LONG.setOpaque(rows, offset, v + delta);
    }

    /** The current value (opaque load; any thread). */
    public long get(int row, int column) {
        return (long) LONG.getOpaque(rows, (long) row * LbStats.ROW_BYTES + (long) column * Long.BYTES);
    }

    MemorySegment rows() {
        return rows;
    }
}
