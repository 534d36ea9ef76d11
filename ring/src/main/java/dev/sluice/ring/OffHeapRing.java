package dev.sluice.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static dev.sluice.ring.DescriptorRingDescriptor.CONSUMER_INDEX_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.PRODUCER_INDEX_OFFSET;
import static dev.sluice.ring.DescriptorRingDescriptor.SEGMENT_ALIGNMENT;
import static dev.sluice.ring.SegmentAccess.LONG;

/**
 * What the in-process rings share: their memory (a zeroed segment of an arena, owned or not), its
 * base address for the data path's {@code AddressSpace.ALL} accesses, capacity and mask, and the
 * checked accesses off the data path (size, close, toString). Layouts:
 * {@link DescriptorRingDescriptor}; each ring puts its indices at the same two offsets.
 */
abstract sealed class OffHeapRing implements AutoCloseable permits SpscRingFields, MpscRingFields, MpmcFrameRing {

    /** The ring's memory: kept for its lifetime and for the checked accesses off the data path. */
    final MemorySegment segment;
    /** {@code segment.address()}: the data path addresses the ring through {@code AddressSpace.ALL}. */
    final long base;
    final int capacity;
    final long mask;
    private final Arena ownedArena;

    /**
     * @param length the layout's length for {@code capacity}, computed by the caller (which
     *               validates the capacity before anything is allocated)
     */
    OffHeapRing(Arena arena, int capacity, long length, boolean owned) {
        if (arena == null) {
            throw new IllegalArgumentException("arena is required");
        }
        this.ownedArena = owned ? arena : null;
        this.segment = arena.allocate(length, SEGMENT_ALIGNMENT); // zeroed: every index starts at 0
        this.base = segment.address();
        this.capacity = capacity;
        this.mask = capacity - 1;
        // release: threads that receive this ring through a plain field must see the zeroed indices
        VarHandle.releaseFence();
    }

    /** A shared arena for a ring that owns its memory, created only once the capacity is known good. */
    static Arena ownedArena(int capacity) {
        DescriptorRingDescriptor.checkCapacity(capacity); // before creating an arena that would leak
        return Arena.ofShared();
    }

    /** Number of slots. */
    public final int capacity() {
        return capacity;
    }

    /** Descriptors in the ring right now (a snapshot; exact only when both sides are quiescent). */
    public final int sizeAcquire() {
        final MemorySegment s = segment; // checked: may be called on a closed ring
        long c = (long) LONG.getAcquire(s, (long) CONSUMER_INDEX_OFFSET);
        long p = (long) LONG.getAcquire(s, (long) PRODUCER_INDEX_OFFSET);
        return (int) Math.max(0, Math.min(capacity, p - c));
    }

    /** Frees the ring's memory if the ring owns its arena; does nothing otherwise. */
    @Override
    public final void close() {
        if (ownedArena != null) {
            ownedArena.close();
        }
    }

    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[capacity=" + capacity + ", size="
            + (segment.scope().isAlive() ? String.valueOf(sizeAcquire()) : "closed") + "]";
    }
}
