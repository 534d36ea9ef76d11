package dev.sluice.umem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's stack of free frames in front of a {@link SharedFramePool} (DPDK's per-lcore mempool
 * cache). {@link #get} and {@link #put} touch only this thread's array; when the stack runs empty it
 * takes {@code bulk} frames from the shared ring at once, and when it grows past {@code 2 * bulk} it
 * gives {@code bulk} back, so the shared ring sees one CAS per bulk of frames. LIFO, so the frame
 * freed last (cache-warm) is reused first.
 *
 * <p>Single-threaded: one owner thread (a worker, or a port's driving thread) at a time; a hand-over
 * between threads must itself be ordered (thread start/join). The array can hold every frame of the
 * UMEM, so {@code put} never fails, even when the shared ring momentarily refuses a flush.
 */
public final class FrameCache {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(FrameCache.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SharedFramePool pool;
    private final FrameOwnership ownership;
    private final long[] frames;
    private final int bulk;
    private final int flushThreshold;
    private int count;
    private long refillMisses;

    FrameCache(SharedFramePool pool, int bulk) {
        if (bulk < 1 || bulk > pool.frameCount()) {
            throw new IllegalArgumentException("cache bulk must be in 1.." + pool.frameCount() + ", not " + bulk);
        }
        this.pool = pool;
        this.ownership = pool.ownership();
        this.frames = new long[pool.frameCount()];
        this.bulk = bulk;
        this.flushThreshold = 2 * bulk;
    }

    /** A free frame's start address, or -1 when neither the cache nor the shared ring has one. */
    public long get() {
        int n = count;
        if (n == 0) {
            n = refill(1);
            if (n == 0) {
                return -1L;
            }
        }
        long frame = frames[--n];
        setCount(n);
        if (ownership != null) {
            ownership.move(frame, FrameOwnership.POOL, FrameOwnership.APP);
        }
        return frame;
    }

    /**
     * Takes up to {@code max} frames into {@code dst[off..]}. When the cache holds fewer, it takes
     * what is missing from the shared ring first, rounded up to whole bulks, in one CAS: a FILL ring
     * topped up by hundreds of frames at once costs one trip to the ring.
     *
     * @return frames taken
     */
    public int get(long[] dst, int off, int max) {
        int n = count;
        if (n < max) {
            n = refill(max - n);
        }
        int k = Math.min(n, max);
        FrameOwnership own = ownership;
        for (int i = 0; i < k; i++) {
            long frame = frames[--n];
            dst[off + i] = frame;
            if (own != null) {
                own.move(frame, FrameOwnership.POOL, FrameOwnership.APP);
            }
        }
        setCount(n);
        return k;
    }

    /** Gives back the frame holding {@code address} (any address inside the frame). */
    public void put(long address) {
        long frame = pool.umem().frameOf(address);
        if (ownership != null) {
            ownership.move(frame, FrameOwnership.APP, FrameOwnership.POOL);
        }
        int n = count;
        frames[n++] = frame;
        setCount(n);
        if (n >= flushThreshold) {
            flush(bulk);
        }
    }

    /** Gives every cached frame back to the shared ring (closing a worker or a port). */
    public void flushAll() {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (count > 0 && System.nanoTime() < deadline) {
            if (flush(0) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    public int count() {
        return count;
    }

    /** The count as other threads see it (stats, tests). */
    public int countOpaque() {
        return (int) COUNT.getOpaque(this);
    }

    /** Refills that found the shared ring empty. */
    public long refillMisses() {
        return refillMisses;
    }

    public int bulk() {
        return bulk;
    }

    /** Returns frames to the ring until at most {@code keep} remain; returns frames moved. */
    private int flush(int keep) {
        int n = count;
        int give = n - keep;
        if (give <= 0) {
            return 0;
        }
        int moved = pool.give(frames, n - give, give);
        setCount(n - moved);
        return moved;
    }

    /** Takes at least {@code missing} frames from the ring, in whole bulks, as far as there are and they fit. */
    private int refill(int missing) {
        int n = count;
        int want = (missing + bulk - 1) / bulk * bulk;
        int got = pool.take(frames, n, Math.min(want, frames.length - n));
        if (got == 0) {
            refillMisses++;
        }
        n += got;
        setCount(n);
        return n;
    }

    private void setCount(int n) {
        // opaque: stats readers on other threads see a whole, eventually-current value; no fence needed
        COUNT.setOpaque(this, n);
    }
}
