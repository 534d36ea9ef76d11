package dev.sluice.umem;

import dev.sluice.ring.MpmcFrameRing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The free frames of one UMEM shared by several threads: an {@link MpmcFrameRing} of frame start
 * addresses with one {@link FrameCache} per thread in front of it, as DPDK's {@code rte_mempool}
 * puts a per-lcore cache in front of its ring. Threads never touch the ring per packet: a cache
 * refills and flushes it in bulks (32 frames by default), so one CAS moves many frames.
 *
 * <h2>Why an MPMC ring</h2>
 * Frames cross threads: a generator allocates on one thread, the worker that receives the packet
 * frees it on another, a memory port's peer transmits frames the other side allocated. Any thread
 * may give and any may take, so the shared level must be MPMC. The alternatives were weighed:
 * per-frame "home" partitions returned through one MPSC ring per home (frames of a busy home
 * starve an idle one, and who the allocating threads are is not known to a library), or an SPSC
 * ring per pair of threads (n^2 rings, each with a share of the frames stuck in it).
 * <p>
 * The ring's capacity is twice the frame count rounded up to a power of two, so a give finds room
 * unless a consumer has stalled between claiming and releasing a slot for a whole lap; a give that
 * does not fit stays in the giving cache (which can hold every frame) and is retried at the next bulk.
 *
 * <p>Frame accounting: frames in the ring and in caches are owned by {@link FrameOwnership#POOL};
 * caches record POOL→APP on get and APP→POOL on put when an ownership record is attached.
 */
public final class SharedFramePool implements AutoCloseable {
    /** Frames a cache moves to or from the ring at once, unless told otherwise. */
    public static final int DEFAULT_BULK = 32;

    private final Umem umem;
    private final MpmcFrameRing ring;
    private final FrameOwnership ownership;
    private final List<FrameCache> caches = new CopyOnWriteArrayList<>();

    private SharedFramePool(Umem umem, FrameOwnership ownership) {
        this.umem = umem;
        this.ownership = ownership;
        int capacity = Integer.highestOneBit(umem.frameCount() - 1) << 2; // >= 2 * frameCount, power of two
        this.ring = new MpmcFrameRing(capacity);
        long size = umem.frameSize();
        long[] all = new long[umem.frameCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i * size;
        }
        if (ring.offer(all, 0, all.length) != all.length) {
            throw new IllegalStateException("pool ring too small for " + all.length + " frames");
        }
    }

    /** A pool holding every frame of {@code umem}, without ownership tracking. */
    public static SharedFramePool of(Umem umem) {
        return new SharedFramePool(umem, null);
    }

    /** A pool holding every frame of {@code umem}, recording hand-overs in {@code ownership} (may be null). */
    public static SharedFramePool of(Umem umem, FrameOwnership ownership) {
        return new SharedFramePool(umem, ownership);
    }

    /** A new cache for one thread, moving {@link #DEFAULT_BULK} frames at a time. */
    public FrameCache newCache() {
        return newCache(DEFAULT_BULK);
    }

    /** A new cache for one thread that refills and flushes {@code bulk} frames at a time. */
    public FrameCache newCache(int bulk) {
        FrameCache cache = new FrameCache(this, bulk);
        caches.add(cache);
        return cache;
    }

    /** Takes up to {@code max} frames (relaxed: may return fewer than are free right now). Any thread. */
    public int take(long[] dst, int off, int max) {
        return ring.poll(dst, off, max);
    }

    /** Gives up to {@code n} frames back; returns how many fit (all, unless a consumer stalled for a lap). */
    public int give(long[] src, int off, int n) {
        return ring.offer(src, off, n);
    }

    /** Frames in the shared ring right now (not counting caches). */
    public int ringAvailable() {
        return ring.sizeAcquire();
    }

    /**
     * Free frames: in the ring plus in every cache. Exact when the threads using the caches are
     * quiescent (after they stopped, or between their bursts in a test).
     */
    public int available() {
        int n = ring.sizeAcquire();
        for (FrameCache c : caches) {
            n += c.countOpaque();
        }
        return n;
    }

    public int frameCount() {
        return umem.frameCount();
    }

    public Umem umem() {
        return umem;
    }

    /** The ownership record, or null when not tracking. */
    public FrameOwnership ownership() {
        return ownership;
    }

    void forget(FrameCache cache) {
        caches.remove(cache);
    }

    /** Frees the ring's memory; the UMEM belongs to its owner. */
    @Override
    public void close() {
        ring.close();
    }
}
