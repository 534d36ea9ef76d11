package dev.sluice.lb.stats;

import dev.sluice.sys.AddressSpace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One worker's rows of {@link LbStats}. Single writer: that worker's handler, on the data path.
 * {@link #add} is a plain load and an opaque store, as a counter group's: the writer reads its own
 * last value, readers on other threads get whole, eventually-current values, and the writer pays no
 * fence (nothing else is published through a row). No allocation, no lock, no exception.
 *
 * <p>Addressed through {@link AddressSpace#ALL} by absolute address (no per-access segment checks
 * on the data path); kept memory-safe by this object: it holds the rows' segment (which an automatic
 * arena frees only once nothing references it), a row number outside the rows writes the
 * {@link LbStats#SINK} instead, and the column is taken modulo {@value LbStats#COLUMNS}.
 */
public final class WorkerStats {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Keeps the memory reachable as long as this object is. */
    private final MemorySegment rows;
    private final long base;
    private final int rowCount;

    WorkerStats(MemorySegment rows) {
        this.rows = rows;
        this.base = rows.address();
        this.rowCount = (int) (rows.byteSize() / LbStats.ROW_BYTES);
    }

    /** Adds {@code delta} to column {@code column} of row {@code row}; this worker's thread only. */
    public void add(int row, int column, long delta) {
        long address = address(row, column);
        long v = (long) LONG.get(AddressSpace.ALL, address);
        // Opaque: readers see whole values; single writer, no fence needed.
        LONG.setOpaque(AddressSpace.ALL, address, v + delta);
    }

    /** The current value (opaque load; any thread). */
    public long get(int row, int column) {
        return (long) LONG.getOpaque(AddressSpace.ALL, address(row, column));
    }

    private long address(int row, int column) {
        int r = Integer.compareUnsigned(row, rowCount) < 0 ? row : LbStats.SINK;
        return base + ((long) r * LbStats.ROW_BYTES) + ((long) (column & (LbStats.COLUMNS - 1)) * Long.BYTES);
    }

    MemorySegment rows() {
        return rows;
    }
}
