package dev.sluice.counters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.sluice.counters.CountersDescriptor.*;

/**
 * Reads a counters file live, usually from another process than its writer: the header (who,
 * since when, last heartbeat) and every allocated group with its kind, labels and current values.
 * Loads only; the mapping is read-only. A group that is being allocated or freed while it is read
 * is left out of that snapshot (it shows in the next one). Layout and ordering: {@link CountersDescriptor}.
 */
public final class CountersReader implements AutoCloseable {
    /** One counter of a group as read at one instant. */
    public record Counter(String name, CounterType type, long value) {
    }

    /**
     * One group as read at one instant. {@code id} and {@code sequence} together name this group
     * among every group the file ever held (a freed record's next group has a higher sequence).
     */
    public record Group(int id, long sequence, String kind, Labels labels, List<Counter> counters) {
        /** The value of counter {@code name}, or -1 when the group has none. */
        public long value(String name) {
            for (Counter c : counters) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            return labels.size() == 0 ? kind : kind + " " + labels;
        }
    }

    /** A record's description, decoded once per sequence (records change only when reused). */
    private record Decoded(long sequence, String kind, Labels labels, String[] names, CounterType[] types, long valuesAt) {
    }

    private final Path path;
    private final MemorySegment file;
    private final Arena arena;
    private Decoded[] decoded = new Decoded[0];

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
            throw new UncheckedIOException("cannot read counters file " + path + ": " + CountersDirectory.reason(e), e);
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
                        + LAYOUT_VERSION + " (the instance runs another sluice version)");
            }
            int capacity = file.get(ValueLayout.JAVA_INT, CAPACITY_OFFSET);
            long valuesOffset = Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT, VALUES_OFFSET_OFFSET));
            long valuesLength = Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT, VALUES_LENGTH_OFFSET));
            if (capacity < 0 || valuesOffset != valuesOffset(capacity) || valuesOffset + valuesLength > size) {
                throw new IllegalArgumentException(path + " is truncated: " + size + " bytes for " + capacity + " groups");
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

    /** Most groups the file holds at once. */
    public int capacity() {
        return file.get(ValueLayout.JAVA_INT, CAPACITY_OFFSET);
    }

    /** Records that were ever used: groups live in records {@code 0 .. n-1}. */
    public int recordLimitAcquire() {
        return Math.min((int) INT.getAcquire(file, (long) RECORD_LIMIT_OFFSET), capacity());
    }

    /** Groups allocated now (a snapshot's size). */
    public int groupsAllocated() {
        return snapshot().size();
    }

    /** Every allocated group with its current values, in record order. */
    public synchronized List<Group> snapshot() {
        int n = recordLimitAcquire();
        if (decoded.length < n) {
            decoded = Arrays.copyOf(decoded, n);
        }
        List<Group> out = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            Group g = read(id);
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }

    /** Record {@code id} as a group, or null when it is free or changed while being read. */
    private Group read(int id) {
        long at = recordOffset(id);
        long sequence = (long) LONG.getAcquire(file, at + RECORD_SEQUENCE_OFFSET);
        if ((sequence & 1) != 0 || file.get(ValueLayout.JAVA_INT, at + RECORD_STATE_OFFSET) != STATE_ALLOCATED) {
            return null;
        }
        Decoded d = decoded[id];
        if (d == null || d.sequence() != sequence) {
            d = decode(at, sequence);
            if (d == null) {
                return null; // torn (being reused) or damaged: skip it
            }
        }
        Counter[] counters = new Counter[d.names().length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new Counter(d.names()[i], d.types()[i], (long) LONG.getOpaque(file, d.valuesAt() + 8L * i));
        }
        if (!unchanged(at, sequence)) {
            return null; // reused meanwhile: the values may be the next group's
        }
        decoded[id] = d;
        return new Group(id, sequence, d.kind(), d.labels(), List.of(counters));
    }

    /** After reading a record's data: whether its sequence still is {@code sequence}. */
    private boolean unchanged(long at, long sequence) {
        // Acquire fence: the loads above are done before the sequence is loaded again.
        VarHandle.acquireFence();
        return (long) LONG.getOpaque(file, at + RECORD_SEQUENCE_OFFSET) == sequence;
    }

    /** Decodes a record with plain loads; null when something is out of range (a torn or damaged record). */
    private Decoded decode(long at, long sequence) {
        int count = file.get(ValueLayout.JAVA_INT, at + RECORD_COUNT_OFFSET);
        long valuesAt = file.get(ValueLayout.JAVA_LONG, at + RECORD_VALUES_OFFSET);
        long gaugeMask = file.get(ValueLayout.JAVA_LONG, at + RECORD_GAUGE_MASK_OFFSET);
        int labelCount = file.get(ValueLayout.JAVA_INT, at + RECORD_LABEL_COUNT_OFFSET);
        int length = file.get(ValueLayout.JAVA_INT, at + RECORD_STRINGS_LENGTH_OFFSET);
        if (count < 1 || count > CounterGroup.MAX_COUNTERS || labelCount < 0 || labelCount > RECORD_STRINGS_MAX / 4
                || length < 0 || length > RECORD_STRINGS_MAX || valuesAt < 0 || valuesAt + 8L * count > file.byteSize()) {
            return null;
        }
        byte[] strings = new byte[length];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, at + RECORD_STRINGS_OFFSET, strings, 0, length);
        String[] all = new String[1 + 2 * labelCount + count];
        int p = 0;
        for (int i = 0; i < all.length; i++) {
            if (p + 2 > length) {
                return null;
            }
            int len = (strings[p] & 0xFF) | (strings[p + 1] & 0xFF) << 8;
            p += 2;
            if (p + len > length) {
                return null;
            }
            all[i] = new String(strings, p, len, StandardCharsets.UTF_8);
            p += len;
        }
        Labels labels;
        try {
            labels = Labels.of(Arrays.copyOfRange(all, 1, 1 + 2 * labelCount));
        } catch (IllegalArgumentException torn) {
            return null;
        }
        String[] names = Arrays.copyOfRange(all, 1 + 2 * labelCount, all.length);
        CounterType[] types = new CounterType[count];
        for (int i = 0; i < count; i++) {
            types[i] = (gaugeMask >>> i & 1) != 0 ? CounterType.GAUGE : CounterType.COUNTER;
        }
        return new Decoded(sequence, all[0], labels, names, types, valuesAt);
    }

    /** Unmaps the file (if this reader mapped it). */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
