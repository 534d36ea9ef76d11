package dev.sluice.umem;

/**
 * The free frames of one owner (a socket, a worker): a LIFO stack of UMEM frame addresses, so that
 * the most recently freed, cache-warm frame is reused first. Single-threaded; no allocation.
 */
public final class FramePool {
    private final long[] free;
    private int count;

    public FramePool(int capacity) {
        this.free = new long[capacity];
    }

    /** A pool holding frames {@code first, first+1, ... first+n-1} of {@code umem}. */
    public static FramePool ofFrames(Umem umem, int first, int n) {
        if (first < 0 || n < 0 || first + n > umem.frameCount()) {
            throw new IllegalArgumentException("frames " + first + ".." + (first + n) + " outside the UMEM's " + umem.frameCount());
        }
        // Capacity for the whole UMEM: a free() never overflows a pool, whichever of the UMEM's
        // frames it is given.
        FramePool pool = new FramePool(umem.frameCount());
        long size = umem.frameSize();
        for (int i = n - 1; i >= 0; i--) {
            pool.free[pool.count++] = (first + i) * size;
        }
        return pool;
    }

    public int capacity() {
        return free.length;
    }

    public int available() {
        return count;
    }

    /** A free frame's address, or -1 when empty. */
    public long allocate() {
        return count == 0 ? -1L : free[--count];
    }

    /** Returns a frame. A pool never holds more than its capacity; overflow means a frame was freed twice. */
    public void free(long frameAddress) {
        free[count++] = frameAddress;
    }
}
