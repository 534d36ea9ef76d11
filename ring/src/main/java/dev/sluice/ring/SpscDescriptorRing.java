package dev.sluice.ring;

import dev.sluice.sys.AddressSpace;

import java.lang.foreign.Arena;

import static dev.sluice.ring.DescriptorRingDescriptor.CONSUMER_INDEX_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.PRODUCER_INDEX_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.SPSC_SLOTS_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.SPSC_SLOT_SHIFT;
import static dev.sluice.ring.SegmentAccess.LONG;
import static dev.sluice.ring.SegmentAccess.LONG_PLAIN;

/**
 * A bounded single-producer single-consumer FIFO of 64-bit descriptors (UMEM addresses, packed frame
 * handles: any {@code long} value) in off-heap memory, the in-process counterpart of DPDK's
 * {@code rte_ring} in SP/SC mode. Layout: {@link DescriptorRingDescriptor} off-heap (the two
 * published indices and the slots); each side's own index and cached copy of the other's are padded
 * Java fields ({@link SpscRingFields}).
 * <p>
 * One producer thread calls {@code offer}, one consumer thread calls {@code poll} (each may change
 * over time if the hand-over is itself ordered). Bursts move up to n descriptors with one acquire
 * load at most and one release store: each side caches the other's index and reads it again only
 * when the cached value does not allow the whole burst. No CAS, no lock, no allocation, no
 * exception except for arguments that index outside the caller's array.
 * <p>
 * Memory ordering: the producer writes slots then publishes the producer index with a release
 * store; the consumer acquires the producer index before reading slots and releases the consumer
 * index after reading them; the producer acquires the consumer index before overwriting slots.
 * <p>
 * The data path addresses the ring's memory through {@link AddressSpace#ALL} (no liveness check):
 * stop both sides before closing the arena or the ring; an offer or poll after that is undefined.
 */
public final class SpscDescriptorRing extends SpscRingTailPadding {

    /**
     * A ring in memory of {@code arena}, which must be shared (or global) if producer and consumer
     * are different threads. Closing the arena frees the ring; {@link #close()} does not.
     *
     * @param capacity a power of two in [1, {@link DescriptorRingDescriptor#MAX_CAPACITY}]
     */
    public SpscDescriptorRing(Arena arena, int capacity) {
        this(arena, capacity, false);
    }

    /** A ring in memory it owns (a shared arena), freed by {@link #close()}. */
    public SpscDescriptorRing(int capacity) {
        this(ownedArena(capacity), capacity, true);
    }

    private SpscDescriptorRing(Arena arena, int capacity, boolean owned) {
        super(arena, capacity, DescriptorRingDescriptor.spscLength(capacity), owned); // the length validates capacity
    }

    /**
     * Appends one descriptor.
     *
     * @return false if the ring is full
     */
    public boolean offer(long descriptor) {
        final long p = producerIndex;
        if (p - cachedConsumerIndex >= capacity && p - refreshConsumerIndex() >= capacity) {
            return false;
        }
        final long s = base;
        LONG_PLAIN.set(AddressSpace.ALL, s + slot(p), descriptor);
        producerIndex = p + 1;
        // release: the consumer must see the slot written above once it sees the new index
        LONG.setRelease(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET, p + 1);
        return true;
    }

    /**
     * Appends up to {@code n} descriptors {@code src[off..off+n)}, in order, as many as fit (DPDK's
     * "burst" semantics).
     *
     * @return how many were appended (0..n); the first that many of {@code src[off..]}
     */
    public int offer(long[] src, int off, int n) {
        return offer(src, off, n, false);
    }

    /**
     * Appends all {@code n} descriptors {@code src[off..off+n)} or none (DPDK's "bulk" semantics):
     * for a consumer that works in fixed-size groups, e.g. whole cache lines of 8 descriptors.
     *
     * @return {@code n}, or 0 if fewer than {@code n} slots are free
     */
    public int offerBulk(long[] src, int off, int n) {
        return offer(src, off, n, true);
    }

    /*
     * One body for burst and bulk, with the copy loops in it, called unconditionally by both: C2
     * inlines a call that every invocation makes, but a helper called only when the ring had room
     * is a "cold" call site whenever most calls find the ring full (or empty, on the poll side),
     * and then stays a real call (JDK 25: "already compiled into a medium method"), with register
     * spills around it, as the generated code of SpscRingPerf's two-core loop showed.
     */
    private int offer(long[] src, int off, int n, boolean all) {
        final long p = producerIndex;
        long free = cachedConsumerIndex + capacity - p;
        if (free < n) {
            free = refreshConsumerIndex() + capacity - p;
        }
        final int k = all ? (free < n ? 0 : n) : (int) Math.min(n, free);
        if (k <= 0) {
            return 0;
        }
        final long s = base;
        if (k == 1) {
            LONG_PLAIN.set(AddressSpace.ALL, s + slot(p), src[off]); // a burst of one: no loop set-up
        } else {
            // Two contiguous runs (to the end of the slot array, then from slot 0): linear offsets
            // let C2 hoist the bounds checks out of the loops.
            final int start = (int) (p & mask);
            final int first = Math.min(k, capacity - start);
            final long at = SPSC_SLOTS_OFFSET + ((long) start << SPSC_SLOT_SHIFT);
            for (int i = 0; i < first; i++) {
                LONG_PLAIN.set(AddressSpace.ALL, s + at + ((long) i << SPSC_SLOT_SHIFT), src[off + i]);
            }
            for (int i = first; i < k; i++) {
                LONG_PLAIN.set(AddressSpace.ALL, s + SPSC_SLOTS_OFFSET + ((long) (i - first) << SPSC_SLOT_SHIFT), src[off + i]);
            }
        }
        producerIndex = p + k;
        // release: the consumer must see the k slots written above once it sees the new index
        LONG.setRelease(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET, p + k);
        return k;
    }

    /**
     * Removes the oldest descriptor.
     *
     * @param ifEmpty returned when the ring is empty: a value that is never a descriptor (often -1)
     */
    public long poll(long ifEmpty) {
        final long c = consumerIndex;
        if (cachedProducerIndex == c && refreshProducerIndex() == c) {
            return ifEmpty;
        }
        final long s = base;
        final long descriptor = (long) LONG_PLAIN.get(AddressSpace.ALL, s + slot(c));
        consumerIndex = c + 1;
        // release: our read of the slot must complete before the producer may overwrite it
        LONG.setRelease(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET, c + 1);
        return descriptor;
    }

    /**
     * Removes up to {@code max} of the oldest descriptors into {@code dst[off..]}, in FIFO order
     * (DPDK's "burst" semantics).
     *
     * @return how many were removed (0..max)
     */
    public int poll(long[] dst, int off, int max) {
        return poll(dst, off, max, false);
    }

    /**
     * Removes exactly {@code n} of the oldest descriptors into {@code dst[off..]}, or none (DPDK's
     * "bulk" semantics). A consumer that takes whole groups never reads a cache line of slots the
     * producer is still filling, so slot lines cross between cores once instead of bouncing.
     *
     * @return {@code n}, or 0 if fewer than {@code n} descriptors are in the ring
     */
    public int pollBulk(long[] dst, int off, int n) {
        return poll(dst, off, n, true);
    }

    /** One body for burst and bulk, called unconditionally by both: see {@link #offer(long[], int, int, boolean)}. */
    private int poll(long[] dst, int off, int n, boolean all) {
        final long c = consumerIndex;
        long available = cachedProducerIndex - c;
        if (available < n) {
            available = refreshProducerIndex() - c;
        }
        final int k = all ? (available < n ? 0 : n) : (int) Math.min(n, available);
        if (k <= 0) {
            return 0;
        }
        final long s = base;
        if (k == 1) {
            dst[off] = (long) LONG_PLAIN.get(AddressSpace.ALL, s + slot(c)); // a burst of one: no loop set-up
        } else {
            final int start = (int) (c & mask);
            final int first = Math.min(k, capacity - start);
            final long at = SPSC_SLOTS_OFFSET + ((long) start << SPSC_SLOT_SHIFT);
            for (int i = 0; i < first; i++) {
                dst[off + i] = (long) LONG_PLAIN.get(AddressSpace.ALL, s + at + ((long) i << SPSC_SLOT_SHIFT));
            }
            for (int i = first; i < k; i++) {
                dst[off + i] = (long) LONG_PLAIN.get(AddressSpace.ALL, s + SPSC_SLOTS_OFFSET + ((long) (i - first) << SPSC_SLOT_SHIFT));
            }
        }
        consumerIndex = c + k;
        // release: our reads of the k slots must complete before the producer may overwrite them
        LONG.setRelease(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET, c + k);
        return k;
    }

    private long slot(long index) {
        return SPSC_SLOTS_OFFSET + ((index & mask) << SPSC_SLOT_SHIFT);
    }

    /** Reads the consumer's published index (acquire) into the producer's cache. */
    private long refreshConsumerIndex() {
        final long c = (long) LONG.getAcquire(AddressSpace.ALL, base + (long) CONSUMER_INDEX_OFFSET);
        cachedConsumerIndex = c;
        return c;
    }

    /** Reads the producer's published index (acquire) into the consumer's cache. */
    private long refreshProducerIndex() {
        final long p = (long) LONG.getAcquire(AddressSpace.ALL, base + (long) PRODUCER_INDEX_OFFSET);
        cachedProducerIndex = p;
        return p;
    }
}
