package dev.sluice.pipeline.runtime;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterKind;
import dev.sluice.counters.Labels;

/**
 * Counters of one worker: a {@link CounterGroup} of kind {@code worker} labelled {@code worker=<id>},
 * written by the worker only, read by any thread or, in a counters file, by another process. The
 * worker counts into an array of its own and publishes it to the group (an opaque add per changed
 * counter) when a run of busy duty cycles ends, at least every 1024 cycles, before a command's
 * receipt and when it stops: a reader sees counts that are at most that old, and exact once the
 * worker is idle or stopped. Conservation: every packet a worker receives
 * from a port or a link leaves it exactly once, to a port ({@link #TX} + {@link #TX_REFUSED}),
 * another worker ({@link #HANDED_OFF}, {@link #EGRESS_OUT}) or the pool (the drop counters).
 *
 * <p>To add a counter: append its name to {@code NAMES} (its {@link CounterKind}) and a constant with the next index;
 * {@link #COUNT} follows, and readers ({@code sluice stat}, {@code --metrics}) show it by its name.
 */
public final class WorkerCounters {
    public static final String KIND = "worker";

    /** Packets received from this worker's ports. */
    public static final int RX = 0;
    /** Packets taken from work links (dispatch or previous stage). */
    public static final int LINK_IN = 1;
    /** Packets handed to another worker to process (flow dispatch or next stage). */
    public static final int HANDED_OFF = 2;
    /** Packets passed to the handler. */
    public static final int PROCESSED = 3;
    /** Packets accepted by a port's transmit. */
    public static final int TX = 4;
    /** Packets a port's transmit refused (ring full): the port dropped them and counts them too. */
    public static final int TX_REFUSED = 5;
    /** Packets dropped by verdict (or by a handler exception). */
    public static final int DROPPED = 6;
    /** Packets dropped because a work link to another worker was full. */
    public static final int LINK_FULL = 7;
    /** NEXT_STAGE verdicts in the last stage (dropped). */
    public static final int NO_NEXT_STAGE = 8;
    /** Verdicts naming a port the pipeline does not have (dropped). */
    public static final int BAD_PORT = 9;
    /**
     * Exceptions thrown by the handler (its burst was dropped) or by the worker's duty cycle; the
     * first of each kind is logged once by the pipeline's error log, off the data path.
     */
    public static final int ERRORS = 10;
    /** Transmit or release requests sent to the worker that owns the port. */
    public static final int EGRESS_OUT = 11;
    /** Transmit or release requests received for this worker's ports. */
    public static final int EGRESS_IN = 12;
    /** Control commands run. */
    public static final int COMMANDS = 13;
    /** Handler calls. */
    public static final int BURSTS = 14;
    /** Polls that found work. */
    public static final int BUSY_POLLS = 15;
    /** Polls that found none. */
    public static final int IDLE_POLLS = 16;
    /**
     * Nanoseconds spent in polls that found work: its rate over wall time is how busy the worker
     * is (a poll that finds work costs far more than one that finds none, so poll counts cannot say).
     */
    public static final int BUSY_NS = 17;

    private static final CounterKind NAMES = new CounterKind(KIND,
        "rx", "link_in", "handed_off", "processed", "tx", "tx_refused", "dropped", "link_full", "no_next_stage",
        "bad_port", "errors", "egress_out", "egress_in", "commands", "bursts", "busy_polls", "idle_polls",
        "busy_ns"
    );
    public static final int COUNT = NAMES.count();

    private final CounterGroup group;
    /** The address of counter 0: {@link #publish} adds through {@link CounterGroup#addOpaque}. */
    private final long base;
    /**
     * What the worker counted since the last {@link #publish}, by counter: adding to an array
     * element costs less than a store to the counters file, which a worker would make several
     * times per burst. Touched by the worker's thread only.
     */
    private final long[] unpublished = new long[COUNT];

    /** Counters in this process's memory, for a worker of no id. */
    public WorkerCounters() {
        this(NAMES.allocate(CounterAllocator.inMemory(), Labels.none()));
    }

    private WorkerCounters(CounterGroup group) {
        this.group = group;
        this.base = group.address(0);
    }

    /** Allocates the counters of worker {@code worker} from {@code allocator}. */
    public static WorkerCounters allocate(CounterAllocator allocator, int worker) {
        return new WorkerCounters(NAMES.allocate(allocator, Labels.of(KIND, Integer.toString(worker))));
    }

    /** Counts {@code delta} more of {@code counter}; readers see it at the next {@link #publish}. */
    void add(int counter, long delta) {
        unpublished[counter] += delta;
    }

    /**
     * Adds what was counted since the last call to the group and stores the worker's running poll
     * totals, kept in locals: one opaque store per changed counter. The worker's thread is the single
     * writer; it publishes when a run of busy duty cycles ends, every so many cycles, before a
     * command's receipt and when it stops (see {@code Worker}).
     */
    void publish(long busyPolls, long idlePolls, long busyNanos) {
        final long[] u = unpublished;
        for (int c = 0; c < u.length; c++) {
            long delta = u[c];
            if (delta != 0) {
                CounterGroup.addOpaque(base + 8L * c, delta);
                u[c] = 0;
            }
        }
        CounterGroup.setOpaque(base + 8L * BUSY_POLLS, busyPolls);
        CounterGroup.setOpaque(base + 8L * IDLE_POLLS, idlePolls);
        CounterGroup.setOpaque(base + 8L * BUSY_NS, busyNanos);
    }

    /** The value last published (any thread). */
    public long get(int counter) {
        return group.get(counter);
    }

    public static String name(int counter) {
        return NAMES.name(counter);
    }

    /** The group (to free it when the worker is gone). */
    public CounterGroup group() {
        return group;
    }

    /** Every counter as {@code name=value}, zeros included. */
    @Override
    public String toString() {
        return CounterKind.values(group, true);
    }
}
