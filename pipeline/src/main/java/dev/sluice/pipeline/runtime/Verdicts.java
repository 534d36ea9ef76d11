package dev.sluice.pipeline.runtime;

import java.util.Arrays;

/**
 * One verdict per packet of a burst, as {@code int} codes, plus the port each packet arrived on. A
 * code {@code >= 0} means "transmit on the pipeline port with this index"; {@link #DROP} gives the
 * frame back; {@link #NEXT_STAGE} hands the packet to the next stage's workers. Reused for every
 * burst: no allocation.
 */
public final class Verdicts {
    /** Give the frame back to the pool without sending (the default of every packet). */
    public static final int DROP = -1;
    /** Hand the packet to a worker of the next stage (dropped and counted in the last stage). */
    public static final int NEXT_STAGE = -2;

    /** {@link #uniformCode()} of a burst whose packets have different codes. */
    static final int MIXED = Integer.MIN_VALUE;

    private final int[] codes;
    private final int[] receivedOn;
    private int count;

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
        v.reset(receivedOn.length);
        return v;
    }

    /** Packets in the burst. */
    public int count() {
        return count;
    }

    /** Index of the pipeline port packet {@code i} was received on (kept across stages). */
    public int receivedOn(int i) {
        return receivedOn[i];
    }

    public void transmit(int i, int port) {
        codes[i] = port;
    }

    public void drop(int i) {
        codes[i] = DROP;
    }

    public void nextStage(int i) {
        codes[i] = NEXT_STAGE;
    }

    public void set(int i, int code) {
        codes[i] = code;
    }

    public int code(int i) {
        return codes[i];
    }

    /** Sends every packet back out on the port it came in on. */
    public void transmitEachBack() {
        System.arraycopy(receivedOn, 0, codes, 0, count);
    }

    public void transmitAll(int port) {
        Arrays.fill(codes, 0, count, port);
    }

    public void dropAll() {
        Arrays.fill(codes, 0, count, DROP);
    }

    public void nextStageAll() {
        Arrays.fill(codes, 0, count, NEXT_STAGE);
    }

    /**
     * The code every packet of the burst has, or {@link #MIXED} when they differ (or the burst is
     * empty). A scan of the codes, which the JIT vectorises: cheaper than applying a uniform burst
     * packet by packet.
     */
    int uniformCode() {
        final int n = count;
        if (n == 0) {
            return MIXED;
        }
        final int[] c = codes;
        final int first = c[0];
        int differ = 0;
        for (int i = 1; i < n; i++) {
            differ |= c[i] ^ first;
        }
        return differ == 0 ? first : MIXED;
    }

    void reset(int n) {
        count = n;
        Arrays.fill(codes, 0, n, DROP);
    }

    int[] receivedOnArray() {
        return receivedOn;
    }
}
