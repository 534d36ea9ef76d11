package dev.sluice.counters;

import dev.sluice.counters.CounterAllocator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Counters of one worker thread: polls that found work and polls that did not. Their deltas give
 * the idle ratio ({@code idle / (busy + idle)}), which {@code sluice stat} shows. The worker keeps
 * running totals in locals and {@link #publish publishes} them every so many polls: one opaque
 * store per counter, not one per poll.
 */
public final class WorkerCounters {
    private static final VarHandle LONGS = ValueLayout.JAVA_LONG.varHandle();

    public static final int BUSY_POLLS = 0;
    public static final int IDLE_POLLS = 1;
    /** Exceptions thrown by the worker's handler or agent (each drops what it was working on). */
    public static final int ERRORS = 2;
    public static final int COUNT = 3;

    private static final String[] NAMES = {"busy_polls", "idle_polls", "errors"};

    private final MemorySegment values;

    private WorkerCounters(MemorySegment values) {
        this.values = values;
    }

    /** @param owner e.g. {@code "worker 1"} */
    public static WorkerCounters allocate(CounterAllocator allocator, String owner) {
        return new WorkerCounters(allocator.allocate(owner, NAMES, CounterAllocator.TYPE_COUNTER));
    }

    public static String name(int counter) {
        return NAMES[counter];
    }

    /** Stores the worker's running totals; its thread is the single writer. */
    public void publish(long busyPolls, long idlePolls) {
        // Opaque: whole values for readers in any process; nothing else is published with them.
        LONGS.setOpaque(values, 0L, busyPolls);
        LONGS.setOpaque(values, 8L, idlePolls);
    }

    /** Counts one error; its thread is the single writer. */
    public void countError() {
        long errors = (long) LONGS.getOpaque(values, ERRORS * 8L);
        LONGS.setOpaque(values, ERRORS * 8L, errors + 1);
    }

    public long get(int counter) {
        return (long) LONGS.getOpaque(values, counter * 8L);
    }
}
