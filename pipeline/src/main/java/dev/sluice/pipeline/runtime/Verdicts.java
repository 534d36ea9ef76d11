package dev.sluice.pipeline.runtime;

import java.util.Arrays;

/**
 * One verdict per packet of a burst, as {@code int} codes, plus the port each packet arrived on. A
 * code {@code >= 0} means "transmit on the pipeline port with this index"; {@link #DROP} gives the
 * frame back; {@link #NEXT_STAGE} hands the packet to the next stage's workers. Reused for every
 * burst: no allocation.
 *
 * <p>A verdict given to the whole burst at once ({@link #transmitAll}, {@link #dropAll}, the reset to
 * DROP, {@link #transmitEachBack} of a burst from one port) is held as one code and written into the
 * per-packet array only when a single packet's verdict is set afterwards: a forwarding burst then
 * costs no per-packet verdict work, and the runtime sends it on whole ({@link #uniformCode()}).
 */
public final class Verdicts {
    /** Give the frame back to the pool without sending (the default of every packet). */
    public static final int DROP = -1;
    /** Hand the packet to a worker of the next stage (dropped and counted in the last stage). */
    public static final int NEXT_STAGE = -2;

    /** {@link #uniformCode()} of a burst whose packets have different codes. */
    static final int MIXED = Integer.MIN_VALUE;

    /** Per-packet codes; stale while {@link #allSame} holds. */
    private final int[] codes;
    private final int[] receivedOn;
    private int count;
    /** Every packet's code is {@link #sameCode} (the array is not written). */
    private boolean allSame;
    private int sameCode;
    /** The port every packet of the burst arrived on, or -1 when {@link #receivedOn} says it per packet. */
    private int sameSource;

    Verdicts(int capacity) {
        this.codes = new int[capacity];
        this.receivedOn = new int[capacity];
    }

    /**
     * Verdicts of a burst whose packets arrived on {@code receivedOn[i]}, all DROP: for unit tests of
     * handlers outside a pipeline (allocates; never on a data path).
     */
    public static Verdicts forBurst(int... receivedOn) {
        Verdicts v = new Verdicts(Math.max(1, receivedOn.length));
        System.arraycopy(receivedOn, 0, v.receivedOn, 0, receivedOn.length);
        v.reset(receivedOn.length, -1);
        return v;
    }

    /** Packets in the burst. */
    public int count() {
        return count;
    }

    /** Index of the pipeline port packet {@code i} was received on (kept across stages). */
    public int receivedOn(int i) {
        return sameSource >= 0 ? sameSource : receivedOn[i];
    }

    public void transmit(int i, int port) {
        set(i, port);
    }

    public void drop(int i) {
        set(i, DROP);
    }

    public void nextStage(int i) {
        set(i, NEXT_STAGE);
    }

    public void set(int i, int code) {
        if (allSame) {
            Arrays.fill(codes, 0, count, sameCode);
            allSame = false;
        }
        codes[i] = code;
    }

    public int code(int i) {
        return allSame ? sameCode : codes[i];
    }

    /** Sends every packet back out on the port it came in on. */
    public void transmitEachBack() {
        if (sameSource >= 0) {
            setAll(sameSource);
        } else {
            System.arraycopy(receivedOn, 0, codes, 0, count);
            allSame = false;
        }
    }

    public void transmitAll(int port) {
        setAll(port);
    }

    public void dropAll() {
        setAll(DROP);
    }

    public void nextStageAll() {
        setAll(NEXT_STAGE);
    }

    private void setAll(int code) {
        sameCode = code;
        allSame = true;
    }

    /**
     * The code every packet of the burst has, or {@link #MIXED} when they differ (or the burst is
     * empty). A scan of the codes when they were set one by one, which the JIT vectorises.
     */
    int uniformCode() {
        final int n = count;
        if (n == 0) {
            return MIXED;
        }
        if (allSame) {
            return sameCode;
        }
        final int[] c = codes;
        final int first = c[0];
        int differ = 0;
        for (int i = 1; i < n; i++) {
            differ |= c[i] ^ first;
        }
        return differ == 0 ? first : MIXED;
    }

    /**
     * A new burst of {@code n} packets, every verdict DROP.
     *
     * @param sameSource the port all {@code n} packets arrived on (then {@code receivedOn} need not
     *                   hold it), or -1 when they came from several or it is not known (then
     *                   {@code receivedOn} holds each packet's port)
     */
    void reset(int n, int sameSource) {
        count = n;
        this.sameSource = sameSource;
        setAll(DROP);
    }

    int[] receivedOnArray() {
        return receivedOn;
    }
}
