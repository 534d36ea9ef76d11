package dev.sluice.counters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.counters.CountersDescriptor.*;

/**
 * Reads a counters file live, usually from another process than its writer: the header (who,
 * since when, last heartbeat), the allocated counters' metadata, and their current values. Loads
 * only; the mapping is read-only. Layout and ordering: {@link CountersDescriptor}.
 */
public final class CountersReader implements AutoCloseable {
    /** One counter as read at one instant. */
    public record Counter(int id, int typeId, String owner, String name, long value) {
    }

    private final Path path;
    private final MemorySegment file;
    private final Arena arena;
    private final List<Counter> labels = new ArrayList<>();

    CountersReader(Path path, MemorySegment file, Arena arena) {
        this.path = path;
        this.file = file;
        this.arena = arena;
    }

    /**
     * Maps the counters file at {@code path} read-only.
     *
     * @throws IllegalArgumentException when it is not (yet) a complete counters file of this layout
     */
    public static CountersReader open(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read counters file " + path + ": " + e.getMessage(), e);
        }
        if (size < HEADER_LENGTH) {
            throw new IllegalArgumentException(path + " is not a counters file (or not yet written): " + size + " bytes");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file = CountersFile.map(path, size, false, arena);
            long magic = (long) LONG.getAcquire(file, (long) MAGIC_OFFSET);
            if (magic != MAGIC) {
                throw new IllegalArgumentException(path + " is not a counters file (or not yet written): bad magic");
            }
            int version = file.get(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET);
            if (version != LAYOUT_VERSION) {
                throw new IllegalArgumentException(path + " has counters layout version " + version + "; this sluice reads "
                        + LAYOUT_VERSION);
            }
            int capacity = file.get(ValueLayout.JAVA_INT, CAPACITY_OFFSET);
            if (capacity < 0 || fileLength(capacity) > size) {
                throw new IllegalArgumentException(path + " is truncated: " + size + " bytes for " + capacity + " counters");
            }
            return new CountersReader(path, file, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public long pid() {
        return file.get(ValueLayout.JAVA_LONG, PID_OFFSET);
    }

    public long startTimeMillis() {
        return file.get(ValueLayout.JAVA_LONG, START_TIME_OFFSET);
    }

    public long heartbeatOpaque() {
        return (long) LONG.getOpaque(file, (long) HEARTBEAT_OFFSET);
    }

    public String instanceName() {
        return getString(file, INSTANCE_NAME_OFFSET, INSTANCE_NAME_MAX);
    }

    public String commandLine() {
        return getString(file, COMMAND_LINE_OFFSET, COMMAND_LINE_MAX);
    }

    public int capacity() {
        return file.get(ValueLayout.JAVA_INT, CAPACITY_OFFSET);
    }

    /** Counters allocated so far: records {@code 0 .. n-1} are complete. */
    public int allocatedAcquire() {
        return Math.min((int) INT.getAcquire(file, (long) ALLOCATED_OFFSET), capacity());
    }

    /** The current value of counter {@code id} (one opaque load). */
    public long valueOpaque(int id) {
        long valueOffset = file.get(ValueLayout.JAVA_LONG, recordOffset(id) + RECORD_VALUE_OFFSET_OFFSET);
        return (long) LONG.getOpaque(file, valueOffset);
    }

    /** Every allocated counter with its current value, in allocation order. */
    public synchronized List<Counter> snapshot() {
        int n = allocatedAcquire();
        refreshLabels(n);
        List<Counter> out = new ArrayList<>(n);
        for (int id = 0; id < n; id++) {
            Counter c = labels.get(id);
            if (c != null) {
                out.add(new Counter(id, c.typeId(), c.owner(), c.name(), valueOpaque(id)));
            }
        }
        return out;
    }

    /** Decodes records not seen yet (records never change once allocated). */
    private void refreshLabels(int n) {
        for (int id = labels.size(); id < n; id++) {
            long record = recordOffset(id);
            int state = (int) INT.getAcquire(file, record + RECORD_STATE_OFFSET);
            if (state != STATE_ALLOCATED) {
                labels.add(null);
                continue;
            }
            int type = file.get(ValueLayout.JAVA_INT, record + RECORD_TYPE_ID_OFFSET);
            labels.add(new Counter(id, type, getString(file, record + RECORD_OWNER_OFFSET, RECORD_OWNER_MAX),
                    getString(file, record + RECORD_NAME_OFFSET, RECORD_NAME_MAX), 0));
        }
    }

    /** Unmaps the file (if this reader mapped it). */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
