package dev.sluice.ring;

import dev.sluice.sys.AddressSpace;

import java.lang.foreign.Arena;
import java.lang.invoke.VarHandle;

import static dev.sluice.ring.DescriptorRingDescriptor.CONSUMER_INDEX_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPMC_SEQUENCE_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPMC_SLOTS_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.MPMC_SLOT_SHIFT;
import static dev.sluice.ring.DescriptorRingDescriptor.MPMC_VALUE_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.PRODUCER_INDEX_OFFSET;
import static dev.sluice.ring.SegmentAccess.LONG;

/**
 * A bounded multi-producer multi-consumer ring of 64-bit values (frame addresses) in off-heap
 * memory: the shared level of {@code dev.sluice.umem.SharedFramePool}, touched once per bulk of
 * frames by the per-worker {@code FrameCache}s, never per packet. Layout: {@link DescriptorRingDescriptor}.
 *
 * <h2>Algorithm: per-slot sequences (Vyukov's bounded MPMC queue) with bulk claims</h2>
 * Slot {@code i & mask} carries a sequence word. For index {@code i} of lap {@code L}:
 * {@code seq == i} means free for the producer of {@code i}; {@code seq == i + 1} means published for
 * the consumer of {@code i}; the consumer then stores {@code i + capacity}, freeing it for the next lap.
 * A producer reads the producer index {@code p}, checks that slots {@code p, p+1, ...} are free (stops
 * at the first that is not, or at {@code n}), claims that run with one CAS {@code p -> p+k}, writes the
 * values and publishes each slot with a release store of its sequence. Consumers mirror this on the
 * consumer index. A successful CAS from {@code p} proves that nobody claimed any index at or after
 * {@code p} meanwhile (indices only grow, 64 bits never wrap), so the slots checked before the CAS are
 * still ours to use.
 * <p>
 * Why not {@link MpscDescriptorRing} plus ownership rules: frames come back to the pool from every
 * worker and are taken by every worker (a generator allocates on one thread, another thread frees),
 * so both ends are shared. Why not DPDK's head/tail rte_ring: a thread preempted between its CAS and
 * its tail update stalls every other thread on the same side; here nobody waits for anybody, at the
 * cost of a 16-byte slot.
 * <p>
 * Relaxed like {@code MpscDescriptorRing}: {@link #poll} may return fewer than are present while a
 * producer sits between its claim and its publication, and {@link #offer} may accept fewer than there
 * is room for while a consumer sits between its claim and its release. Callers retry at their next
 * bulk. No lock, no allocation, no exception on the data path.
 * <p>
 * The data path addresses the ring's memory through {@link AddressSpace#ALL} (no liveness check):
 * stop every thread that uses the ring before closing its arena.
 */
public final class MpmcFrameRing extends OffHeapRing {

    /**
     * A ring in memory it owns (a shared arena), freed by {@link #close()}.
     *
     * @param capacity a power of two in [1, {@link DescriptorRingDescriptor#MAX_CAPACITY}]
     */
    public MpmcFrameRing(int capacity) {
        this(ownedArena(capacity), capacity, true);
    }

    /** A ring in memory of {@code arena} (shared or global); closing the arena frees it. */
    public MpmcFrameRing(Arena arena, int capacity) {
        this(arena, capacity, false);
    }

    private MpmcFrameRing(Arena arena, int capacity, boolean owned) {
        super(arena, capacity, DescriptorRingDescriptor.mpmcLength(capacity), owned); // the length validates capacity
        for (long i = 0; i < capacity; i++) {
            LONG.set(segment, MPMC_SLOTS_OFFSET + (i << MPMC_SLOT_SHIFT) + MPMC_SEQUENCE_OFFSET, i);
        }
        // release: threads that receive this ring through a plain field must see the initial sequences
        VarHandle.releaseFence();
    }

    /** Appends one value; false if no slot is free right now. Any thread. */
    public boolean offer(long value) {
        final long s = base;
        while (true) {
            final long p = (long) LONG.getAcquire(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET);
            final long slot = slot(p);
            final long seq = (long) LONG.getAcquire(AddressSpace.ALL, s + slot + MPMC_SEQUENCE_OFFSET);
            if (seq < p) {
                return false; // the previous lap's value is still there (or being consumed)
            }
            if (seq == p && LONG.compareAndSet(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET, p, p + 1)) {
                LONG.set(AddressSpace.ALL, s + slot + MPMC_VALUE_OFFSET, value);
                // release: a consumer that sees the sequence must see the value written above
                LONG.setRelease(AddressSpace.ALL, s + slot + MPMC_SEQUENCE_OFFSET, p + 1);
                return true;
            }
            // another producer claimed p meanwhile: read the index again
        }
    }

    /**
     * Appends up to {@code n} values {@code src[off..off+n)} as one contiguous run. Any thread.
     *
     * @return how many were appended (the first that many of {@code src[off..]})
     */
    public int offer(long[] src, int off, int n) {
        if (n <= 0) {
            return 0;
        }
        final long s = base;
        final long mask = this.mask;
        while (true) {
            final long p = (long) LONG.getAcquire(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET);
            final long seq0 = (long) LONG.getAcquire(AddressSpace.ALL, s + slot(p) + MPMC_SEQUENCE_OFFSET);
            if (seq0 < p) {
                return 0;
            }
            if (seq0 > p) {
                continue; // stale p
            }
            int k = 1;
            while (k < n && (long) LONG.getAcquire(AddressSpace.ALL, s + MPMC_SLOTS_OFFSET + (((p + k) & mask) << MPMC_SLOT_SHIFT) + MPMC_SEQUENCE_OFFSET) == p + k) {
                k++;
            }
            if (LONG.compareAndSet(AddressSpace.ALL, s + (long) PRODUCER_INDEX_OFFSET, p, p + k)) {
                for (int i = 0; i < k; i++) {
                    final long index = p + i;
                    final long slot = MPMC_SLOTS_OFFSET + ((index & mask) << MPMC_SLOT_SHIFT);
                    LONG.set(AddressSpace.ALL, s + slot + MPMC_VALUE_OFFSET, src[off + i]);
                    // release: a consumer that sees the sequence must see the value written above
                    LONG.setRelease(AddressSpace.ALL, s + slot + MPMC_SEQUENCE_OFFSET, index + 1);
                }
                return k;
            }
        }
    }

    /** Removes one value, or returns {@code ifEmpty} when none is published right now. Any thread. */
    public long poll(long ifEmpty) {
        final long s = base;
        while (true) {
            final long c = (long) LONG.getAcquire(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET);
            final long slot = slot(c);
            final long seq = (long) LONG.getAcquire(AddressSpace.ALL, s + slot + MPMC_SEQUENCE_OFFSET);
            if (seq < c + 1) {
                return ifEmpty;
            }
            if (seq == c + 1 && LONG.compareAndSet(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET, c, c + 1)) {
                final long value = (long) LONG.get(AddressSpace.ALL, s + slot + MPMC_VALUE_OFFSET);
                // release: our read of the value must complete before a producer of the next lap overwrites it
                LONG.setRelease(AddressSpace.ALL, s + slot + MPMC_SEQUENCE_OFFSET, c + capacity);
                return value;
            }
        }
    }

    /**
     * Removes up to {@code max} values into {@code dst[off..]}. Any thread.
     *
     * @return how many were removed
     */
    public int poll(long[] dst, int off, int max) {
        if (max <= 0) {
            return 0;
        }
        final long s = base;
        final long mask = this.mask;
        final long capacity = this.capacity;
        while (true) {
            final long c = (long) LONG.getAcquire(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET);
            final long seq0 = (long) LONG.getAcquire(AddressSpace.ALL, s + slot(c) + MPMC_SEQUENCE_OFFSET);
            if (seq0 < c + 1) {
                return 0;
            }
            if (seq0 > c + 1) {
                continue; // stale c
            }
            int k = 1;
            while (k < max && (long) LONG.getAcquire(AddressSpace.ALL, s + MPMC_SLOTS_OFFSET + (((c + k) & mask) << MPMC_SLOT_SHIFT) + MPMC_SEQUENCE_OFFSET) == c + k + 1) {
                k++;
            }
            if (LONG.compareAndSet(AddressSpace.ALL, s + (long) CONSUMER_INDEX_OFFSET, c, c + k)) {
                for (int i = 0; i < k; i++) {
                    final long index = c + i;
                    final long slot = MPMC_SLOTS_OFFSET + ((index & mask) << MPMC_SLOT_SHIFT);
                    dst[off + i] = (long) LONG.get(AddressSpace.ALL, s + slot + MPMC_VALUE_OFFSET);
                    // release: our read of the value must complete before a producer of the next lap overwrites it
                    LONG.setRelease(AddressSpace.ALL, s + slot + MPMC_SEQUENCE_OFFSET, index + capacity);
                }
                return k;
            }
        }
    }

    private long slot(long index) {
        return MPMC_SLOTS_OFFSET + ((index & mask) << MPMC_SLOT_SHIFT);
    }

}
