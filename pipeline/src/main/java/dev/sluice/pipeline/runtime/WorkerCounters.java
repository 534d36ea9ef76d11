package dev.sluice.pipeline.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one worker: written by the worker only (plain read, opaque store, once per burst per
 * counter), read by any thread with opaque loads. Conservation: every packet a worker receives from a
 * port or a link leaves it exactly once, to a port ({@link #TX} + {@link #TX_REFUSED}), another worker
 * ({@link #HANDED_OFF}, {@link #EGRESS_OUT}) or the pool (the drop counters).
 */
public final class WorkerCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

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
    /** Handler calls that threw (their bursts were dropped). */
    public static final int HANDLER_ERRORS = 10;
    /** Transmit or release requests sent to the worker that owns the port. */
    public static final int EGRESS_OUT = 11;
    /** Transmit or release requests received for this worker's ports. */
    public static final int EGRESS_IN = 12;
    /** Control commands run. */
    public static final int COMMANDS = 13;
    /** Handler calls. */
    public static final int BURSTS = 14;
    public static final int COUNT = 15;

    private static final String[] NAMES = {
        "rx", "link_in", "handed_off", "processed", "tx", "tx_refused", "dropped", "link_full", "no_next_stage",
        "bad_port", "handler_errors", "egress_out", "egress_in", "commands", "bursts"
    };

    private final long[] values = new long[COUNT];

    void add(int counter, long delta) {
        if (delta != 0) {
            long v = (long) LONGS.getOpaque(values, counter);
            // opaque: readers see whole, eventually-current values; single writer, no fence needed
            LONGS.setOpaque(values, counter, v + delta);
        }
    }

    public long get(int counter) {
        return (long) LONGS.getOpaque(values, counter);
    }

    public static String name(int counter) {
        return NAMES[counter];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < COUNT; i++) {
            sb.append(i == 0 ? "" : " ").append(NAMES[i]).append('=').append(get(i));
        }
        return sb.toString();
    }
}
