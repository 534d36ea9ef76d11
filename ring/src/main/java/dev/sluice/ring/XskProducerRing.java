package dev.sluice.ring;

import dev.sluice.sys.AddressSpace;

import java.lang.foreign.MemorySegment;

import static dev.sluice.ring.SegmentAccess.INT;
import static dev.sluice.ring.SegmentAccess.INT_PLAIN;
import static dev.sluice.ring.SegmentAccess.LONG;
import static dev.sluice.ring.SegmentAccess.LONG_PLAIN;
import static dev.sluice.ring.XskRingDescriptor.ENTRY_ADDR_OFFSET;
import static dev.sluice.ring.XskRingDescriptor.ENTRY_LEN_OFFSET;
import static dev.sluice.ring.XskRingDescriptor.ENTRY_OPTIONS_OFFSET;
import static dev.sluice.ring.XskRingDescriptor.NEED_WAKEUP;

/**
 * User space's view of a kernel XSK ring that user space produces into: FILL (entry size 8, UMEM
 * addresses handed to the kernel for receiving) and TX (entry size 16, {@code struct xdp_desc}).
 * Layout: {@link XskRingDescriptor}. One thread at a time (single producer); not thread-safe.
 *
 * <h2>Protocol, one burst</h2>
 * <pre>{@code
 *   int n = ring.reserve(64);              // free slots; reads the kernel's consumer only if needed
 *   int at = ring.reservedIndex();
 *   for (int i = 0; i < n; i++) ring.putAddress(at + i, frameAddress(i));
 *   ring.submitRelease(n);                 // one release store of the producer index
 *   if (ring.needsWakeup()) kick();
 * }</pre>
 * A reservation is <em>not cumulative</em>: it always starts at the published producer index, so
 * calling {@code reserve} twice without submitting describes the same slots twice, and submitting
 * fewer slots than reserved is fine (the rest are simply not published).
 *
 * <h2>Memory ordering</h2>
 * The consumer index is read with acquire semantics, and only when the cached free space is smaller
 * than the request: the kernel has finished reading every entry below it, so the slots may be
 * overwritten. The producer index is published with one release store per burst, after the entries:
 * the kernel's acquire load of the producer then sees the entries.
 *
 * <h2>Lifetime</h2>
 * Entries and indices are addressed through {@link AddressSpace#ALL} (no liveness check on the data
 * path): the socket's owner stops the thread that drives the ring before it unmaps the ring.
 */
public final class XskProducerRing extends XskProducerRingFields {
    /** Trailing padding, after the fields of the superclasses: see {@link XskRingFields}. */
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    /**
     * @param mapping   the whole mmap'ed ring (at least {@code offsets.desc() + size * entrySize} bytes)
     * @param offsets   this ring's offsets from {@code XDP_MMAP_OFFSETS}
     * @param size      number of entries, a power of two (as configured with setsockopt)
     * @param entrySize {@link XskRingDescriptor#ADDRESS_ENTRY_SIZE} for FILL,
     *                  {@link XskRingDescriptor#DESC_ENTRY_SIZE} for TX
     * @throws IllegalArgumentException if the size is not a power of two, the entry size not 8 or 16,
     *                                  the mapping too short or a field misaligned
     */
    public XskProducerRing(MemorySegment mapping, XskRingOffsets offsets, int size, int entrySize) {
        super(mapping, offsets, size, entrySize);
        this.producer = (int) INT.getAcquire(AddressSpace.ALL, producerAddress);
        this.cachedLimit = consumerAcquire() + size;
    }

    /** Number of entries of the ring. */
    public int size() {
        return size;
    }

    /**
     * Reserves up to {@code max} free slots starting at {@link #reservedIndex()} and returns how many
     * ({@code 0..max}). Reads the kernel's consumer index (acquire) only when the cached free space
     * is smaller than {@code max}. Not cumulative: see the class comment.
     */
    public int reserve(int max) {
        assert max >= 0 : "negative reservation " + max;
        final int producer = this.producer;
        int free = cachedLimit - producer;
        if (free < max) {
            final int limit = consumerAcquire() + size;
            cachedLimit = limit;
            free = limit - producer;
        }
        final int n = Math.min(free, max);
        reserved = n;
        return n;
    }

    /** u32 index of the first reserved slot (the published producer index); mask happens on use. */
    public int reservedIndex() {
        return producer;
    }

    /** Writes a FILL entry: the UMEM address of a free frame. For rings of entry size 8. */
    public void putAddress(int index, long addr) {
        LONG_PLAIN.set(AddressSpace.ALL, entryAddress(index) + ENTRY_ADDR_OFFSET, addr);
    }

    /** Writes a TX entry ({@code struct xdp_desc}). For rings of entry size 16. */
    public void putDescriptor(int index, long addr, int len, int options) {
        final long entry = entryAddress(index);
        LONG_PLAIN.set(AddressSpace.ALL, entry + ENTRY_ADDR_OFFSET, addr);
        INT_PLAIN.set(AddressSpace.ALL, entry + ENTRY_LEN_OFFSET, len);
        INT_PLAIN.set(AddressSpace.ALL, entry + ENTRY_OPTIONS_OFFSET, options);
    }

    /** Publishes the first {@code n} reserved slots: producer += n, with a release store. */
    public void submitRelease(int n) {
        assert n >= 0 && n <= reserved : "submitting " + n + " slots of a reservation of " + reserved;
        final int next = producer + n;
        producer = next;
        reserved = 0;
        // release: the kernel must see the entries written above before it sees the new producer index
        INT.setRelease(AddressSpace.ALL, producerAddress, next);
    }

    /**
     * Whether the kernel asked for a wakeup syscall ({@code XDP_RING_NEED_WAKEUP} in the flags word),
     * acquire load. Like libxdp there is no StoreLoad fence after {@link #submitRelease}: a flag set
     * concurrently is seen at the next burst's check.
     */
    public boolean needsWakeup() {
        return ((int) INT.getAcquire(AddressSpace.ALL, flagsAddress) & NEED_WAKEUP) != 0;
    }

    /** Exact number of free slots right now (acquire load of the consumer, which refreshes the cache). */
    public int freeAcquire() {
        final int limit = consumerAcquire() + size;
        cachedLimit = limit;
        return limit - producer;
    }

    private int consumerAcquire() {
        return (int) INT.getAcquire(AddressSpace.ALL, consumerAddress);
    }

    @Override
    public String toString() {
        return "XskProducerRing[size=" + size + ", producer=" + Integer.toUnsignedString(producer)
            + ", cachedConsumer=" + Integer.toUnsignedString(cachedLimit - size) + "]";
    }
}
