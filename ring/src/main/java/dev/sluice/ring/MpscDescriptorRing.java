package dev.sluice.ring;

import dev.sluice.sys.AddressSpace;

import java.lang.foreign.Arena;
import java.lang.invoke.VarHandle;

import static dev.sluice.ring.DescriptorRingDescriptor.CONSUMER_INDEX_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPSC_DESCRIPTOR_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPSC_SEQUENCE_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPSC_SLOTS_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPSC_SLOT_SHIFT;
import static dev.sluice.ring.DescriptorRingDescriptor.MPSC_SLOT_SIZE;
import static dev.sluice.ring.DescriptorRingDescriptor.MPSC_UNPUBLISHED;
import static dev.sluice.ring.DescriptorRingDescriptor.PRODUCER_CACHED_CONSUMER_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.PRODUCER_INDEX_OFFSET;
import static dev.sluice.ring.SegmentAccess.LONG;

/**
 * A bounded multi-producer single-consumer FIFO of 64-bit descriptors (any {@code long} value) in
 * off-heap memory. Layout: {@link DescriptorRingDescriptor}; the consumer's own index is a padded Java
 * field ({@link MpscRingFields}). Each producer's descriptors arrive in the
 * order it offered them; descriptors of different producers interleave in claim order.
 *
 * <h2>Publication: per slot, not an ordered tail</h2>
 * A producer claims a run of indices with one CAS on the producer index (after checking free space
 * against the producers' cached consumer index, refreshed with an acquire load only when short),
 * writes the descriptors, then publishes each slot by a release store of the slot's index into the
 * slot's sequence word. The consumer takes slots while their sequence equals the expected index, and
 * releases the consumer index once per burst.
 * <p>
 * Why not DPDK's {@code rte_ring} MP mode (claim the head with a CAS, then wait until the shared tail
 * reaches your claim and move it): there, a producer preempted between its CAS and its tail update
 * makes every other producer spin until it runs again, which on shared, oversubscribed cores (this
 * project's machines have two) means whole time slices lost. With per-slot publication producers never
 * wait for each other; only the consumer stops at the first slot that is claimed but not yet written,
 * and continues at its next poll. The cost is a 16-byte slot and one extra store per descriptor.
 * <p>
 * Consequently {@code poll} is <em>relaxed</em>: it may return nothing (or fewer than available) while
 * a producer sits between its claim and its publication. Poll again in the next duty cycle.
 * <p>
 * The data path addresses the ring's memory through {@link AddressSpace#ALL} (no liveness check):
 * stop every producer and the consumer before closing the arena or the ring.
 * No lock, no allocation, no exception except for arguments that index outside the caller's array.
 */
public final class MpscDescriptorRing extends MpscRingConsumerFields {
    /** Trailing padding, after the consumer's index: see {@link MpscRingFields}. */
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    /**
     * A ring in memory of {@code arena}, which must be shared (or global) as producers and consumer
     * are different threads. Closing the arena frees the ring; {@link #close()} does not.
     *
     * @param capacity a power of two in [1, {@link DescriptorRingDescriptor#MAX_CAPACITY}]
     */
    public MpscDescriptorRing(Arena arena, int capacity) {
        this(arena, capacity, false);
    }

    /** A ring in memory it owns (a shared arena), freed by {@link #close()}. */
    public MpscDescriptorRing(int capacity) {
        this(ownedArena(capacity), capacity, true);
    }

    private MpscDescriptorRing(Arena arena, int capacity, boolean owned) {
        super(arena, capacity, DescriptorRingDescriptor.mpscLength(capacity), owned); // the length validates capacity
        for (long i = 0; i < capacity; i++) {
            LONG.set(segment, MPSC_SLOTS_OFFSET + i * MPSC_SLOT_SIZE + MPSC_SEQUENCE_OFFSET, MPSC_UNPUBLISHED);
        }
        // release: threads that receive this ring through a plain field must see the initialised sequences
        VarHandle.releaseFence();
    }

    /**
     * Appends one descriptor. Safe from any number of threads.
     *
     * @return false if the ring is full
     */
    public boolean offer(long descriptor) {
        final long s = base;
        final int capacity = this.capacity;
        long limit = cachedConsumerAcquire(s) + capacity;
        long p;
        do {
            p = producerIndexAcquire(s);
            if (p >= limit) {
                limit = refreshConsumerAcquire(s) + capacity;
                if (p >= limit) {
                    return false;
                }
            }
        } while (!LONG.compareAndSet(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET, p, p + 1));
        final long slot = slot(p);
        LONG.set(AddressSpace.ALL, s + slot + MPSC_DESCRIPTOR_OFFSET, descriptor);
        // release: the consumer must see the descriptor written above once it sees the sequence
        LONG.setRelease(AddressSpace.ALL, s + slot + MPSC_SEQUENCE_OFFSET, p);
        return true;
    }

    /**
     * Appends up to {@code n} descriptors {@code src[off..off+n)} as one contiguous run, as many as
     * fit. Safe from any number of threads.
     *
     * @return how many were appended (0..n); the first that many of {@code src[off..]}
     */
    public int offer(long[] src, int off, int n) {
        final long s = base;
        final int capacity = this.capacity;
        long limit = cachedConsumerAcquire(s) + capacity;
        long p;
        int k;
        do {
            p = producerIndexAcquire(s);
            if (limit - p < n) {
                limit = refreshConsumerAcquire(s) + capacity;
            }
            k = (int) Math.min(n, limit - p);
            if (k <= 0) {
                return 0;
            }
        } while (!LONG.compareAndSet(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET, p, p + k));
        final long mask = this.mask;
        for (int i = 0; i < k; i++) {
            final long index = p + i;
            final long slot = MPSC_SLOTS_OFFSET + ((index & mask) << MPSC_SLOT_SHIFT);
            LONG.set(AddressSpace.ALL, s + slot + MPSC_DESCRIPTOR_OFFSET, src[off + i]);
            // release: the consumer must see the descriptor written above once it sees the sequence
            LONG.setRelease(AddressSpace.ALL, s + slot + MPSC_SEQUENCE_OFFSET, index);
        }
        return k;
    }

    /**
     * Removes the oldest published descriptor. Consumer thread only. Relaxed: see the class comment.
     *
     * @param ifEmpty returned when no descriptor is published: a value that is never a descriptor
     */
    public long poll(long ifEmpty) {
        final long s = base;
        final long c = consumerIndex;
        final long slot = slot(c);
        if ((long) LONG.getAcquire(AddressSpace.ALL, s + slot + MPSC_SEQUENCE_OFFSET) != c) {
            return ifEmpty;
        }
        final long descriptor = (long) LONG.get(AddressSpace.ALL, s + slot + MPSC_DESCRIPTOR_OFFSET);
        consumerIndex = c + 1;
        // release: our read of the slot must complete before a producer may claim and overwrite it
        LONG.setRelease(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET, c + 1);
        return descriptor;
    }

    /**
     * Removes up to {@code max} of the oldest published descriptors into {@code dst[off..]}, in ring
     * order. Consumer thread only. Relaxed: see the class comment.
     *
     * @return how many were removed (0..max)
     */
    public int poll(long[] dst, int off, int max) {
        final long s = base;
        final long mask = this.mask;
        final long c = consumerIndex;
        int k = 0;
        while (k < max) {
            final long index = c + k;
            final long slot = MPSC_SLOTS_OFFSET + ((index & mask) << MPSC_SLOT_SHIFT);
            if ((long) LONG.getAcquire(AddressSpace.ALL, s + slot + MPSC_SEQUENCE_OFFSET) != index) {
                break;
            }
            dst[off + k] = (long) LONG.get(AddressSpace.ALL, s + slot + MPSC_DESCRIPTOR_OFFSET);
            k++;
        }
        if (k > 0) {
            consumerIndex = c + k;
            // release: our reads of the k slots must complete before producers may claim and overwrite them
            LONG.setRelease(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET, c + k);
        }
        return k;
    }

    private long slot(long index) {
        return MPSC_SLOTS_OFFSET + ((index & mask) << MPSC_SLOT_SHIFT);
    }

    private static long producerIndexAcquire(long s) {
        return (long) LONG.getAcquire(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET);
    }

    /** Acquire: pairs with the release below, so a slot freed by the consumer is free for us too. */
    private static long cachedConsumerAcquire(long s) {
        return (long) LONG.getAcquire(AddressSpace.ALL, s + (long) PRODUCER_CACHED_CONSUMER_OFFSET);
    }

    private static long refreshConsumerAcquire(long s) {
        final long c = (long) LONG.getAcquire(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET);
        // release: a producer that reads this cache must also see the consumer's reads of slots below c as done
        // (racing producers may store an older value: the cache stays a lower bound, merely less fresh)
        LONG.setRelease(AddressSpace.ALL, s + (long) PRODUCER_CACHED_CONSUMER_OFFSET, c);
        return c;
    }

}
