package dev.sluice.counters;

import dev.sluice.sys.AddressSpace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One group of counters that one owner writes: a port queue, a worker, an XDP program, a balancer
 * backend. A group has a kind ({@code port}, {@code worker}, {@code xdp}, {@code lb_backend}),
 * labels that tell it from the other groups of its kind ({@code port=afxdp:eth0/0};
 * {@code vip=web backend=10.0.1.11}), and its counters: names, types and {@code u64} values,
 * contiguous, zeroed at allocation, on a 128-byte line of their own.
 *
 * <p>Single writer per group: {@link #add} is a plain load and an opaque store (the writer reads
 * its own last value; readers, in any thread or process, get whole values in per-counter order
 * and the writer pays no fence). Nothing else is published through a counter, so release/acquire
 * would buy nothing. Data-path writers that want no segment checks per update keep
 * {@link #address(int)} and call {@link #addOpaque(long, long)}.
 *
 * <p>{@link #close()} frees the group: its record and value slots are reused by later groups.
 * Stop the writer first; a reader that was reading the group drops it (see {@link CountersReader}).
 */
public final class CounterGroup implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Most counters in one group. */
    public static final int MAX_COUNTERS = 64;

    private final int id;
    private final String kind;
    private final Labels labels;
    private final String[] names;
    private final CounterType[] types;
    private final MemorySegment values;
    private final long base;
    private final Consumer<CounterGroup> free;
    private boolean closed;

    CounterGroup(int id, String kind, Labels labels, String[] names, CounterType[] types, MemorySegment values,
                 Consumer<CounterGroup> free) {
        this.id = id;
        this.kind = kind;
        this.labels = labels;
        this.names = names;
        this.types = types;
        this.values = values;
        this.base = values.address();
        this.free = free;
    }

    /** Checks a group's description once, at allocation; every allocator calls this. */
    static void check(String kind, Labels labels, String[] names, CounterType[] types) {
        Labels.checkName("counter group kind", kind);
        Objects.requireNonNull(labels, "labels");
        if (names.length == 0 || names.length > MAX_COUNTERS) {
            throw new IllegalArgumentException("a counter group has 1 to " + MAX_COUNTERS + " counters; " + kind + " "
                    + labels + " asks for " + names.length);
        }
        if (types.length != names.length) {
            throw new IllegalArgumentException(names.length + " counter names but " + types.length + " types for " + kind);
        }
        for (int i = 0; i < names.length; i++) {
            Labels.checkName("counter name", names[i]);
            Objects.requireNonNull(types[i], "counter type");
            for (int j = 0; j < i; j++) {
                if (names[j].equals(names[i])) {
                    throw new IllegalArgumentException("counter '" + names[i] + "' twice in group " + kind);
                }
            }
        }
    }

    /**
     * Adds {@code delta} to the counter at absolute {@code address} (from {@link #address(int)}):
     * plain load, opaque store; the data path's single writer. No liveness check: stop the writer
     * before the group is freed or its file closed.
     */
    public static void addOpaque(long address, long delta) {
        long v = (long) LONG.get(AddressSpace.ALL, address);
        // Opaque: readers on other threads or processes see whole, eventually-current values; no fence needed.
        LONG.setOpaque(AddressSpace.ALL, address, v + delta);
    }

    /** Stores {@code value} at absolute {@code address} (from {@link #address(int)}); single writer. */
    public static void setOpaque(long address, long value) {
        // Opaque: a whole value for readers; nothing else is published with it.
        LONG.setOpaque(AddressSpace.ALL, address, value);
    }

    /** The absolute address of counter {@code counter}, for {@link #addOpaque} on the data path. */
    public long address(int counter) {
        return base + 8L * Objects.checkIndex(counter, names.length);
    }

    /** Adds to a counter (single writer). */
    public void add(int counter, long delta) {
        long offset = 8L * counter;
        long v = (long) LONG.get(values, offset);
        // Opaque: readers see whole, eventually-current values; single writer, no fence needed.
        LONG.setOpaque(values, offset, v + delta);
    }

    /** Sets a gauge, or a counter copied from elsewhere (single writer). */
    public void set(int counter, long value) {
        // Opaque: a whole value for readers; nothing else is published with it.
        LONG.setOpaque(values, 8L * counter, value);
    }

    /** The current value (opaque load; any thread). */
    public long get(int counter) {
        return (long) LONG.getOpaque(values, 8L * counter);
    }

    /** Which record of its file describes this group (-1 in memory). */
    public int id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public Labels labels() {
        return labels;
    }

    public int size() {
        return names.length;
    }

    public String name(int counter) {
        return names[counter];
    }

    public CounterType type(int counter) {
        return types[counter];
    }

    /** The values: {@code size()} {@code u64}s, counter {@code i} at offset {@code 8 * i}. */
    public MemorySegment values() {
        return values;
    }

    /** Frees the group for reuse; its writer must have stopped. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        free.accept(this);
    }

    @Override
    public String toString() {
        return labels.size() == 0 ? kind : kind + " " + labels;
    }
}
