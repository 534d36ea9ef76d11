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
 * User space's view of a kernel XSK ring that user space consumes from: RX (entry size 16,
 * {@code struct xdp_desc} of received frames) and COMPLETION (entry size 8, UMEM addresses of sent
 * frames). Layout: {@link XskRingDescriptor}. One thread at a time (single consumer); not thread-safe.
 *
 * <h2>Protocol, one burst</h2>
 * <pre>{@code
 *   int n = ring.peek(64);                 // reads the kernel's producer only if nothing is cached
 *   int at = ring.consumedIndex();
 *   for (int i = 0; i < n; i++) handle(ring.address(at + i), ring.length(at + i));
 *   ring.releaseRelease(n);                // one release store of the consumer index
 * }</pre>
 * A peek is <em>not cumulative</em>: it always starts at the published consumer index, so peeking
 * twice without releasing shows the same entries twice, and releasing fewer entries than peeked
 * leaves the rest to the next peek.
 *
 * <h2>Memory ordering</h2>
 * The producer index is read with acquire semantics, and only when the cached count of available
 * entries is zero: every entry below it has been written by the kernel. The consumer index is
 * published with one release store per burst, after the entries have been read: the kernel may then
 * overwrite those slots.
 *
 * <h2>Lifetime</h2>
 * Entries and indices are addressed through {@link AddressSpace#ALL} (no liveness check on the data
 * path): the socket's owner stops the thread that drives the ring before it unmaps the ring.
 */
public final class XskConsumerRing extends XskConsumerRingFields {
    /** Trailing padding, after the fields of the superclasses: see {@link XskRingFields}. */
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    /**
     * @param mapping   the whole mmap'ed ring (at least {@code offsets.desc() + size * entrySize} bytes)
     * @param offsets   this ring's offsets from {@code XDP_MMAP_OFFSETS}
     * @param size      number of entries, a power of two (as configured with setsockopt)
     * @param entrySize {@link XskRingDescriptor#DESC_ENTRY_SIZE} for RX,
     *                  {@link XskRingDescriptor#ADDRESS_ENTRY_SIZE} for COMPLETION
     * @throws IllegalArgumentException if the size is not a power of two, the entry size not 8 or 16,
     *                                  the mapping too short or a field misaligned
     */
    public XskConsumerRing(MemorySegment mapping, XskRingOffsets offsets, int size, int entrySize) {
        super(mapping, offsets, size, entrySize);
        this.consumer = (int) INT.getAcquire(AddressSpace.ALL, consumerAddress);
        this.cachedProducer = producerAcquire();
    }

    /** Number of entries of the ring. */
    public int size() {
        return size;
    }

    /**
     * Returns how many entries ({@code 0..max}) are available starting at {@link #consumedIndex()}.
     * Reads the kernel's producer index (acquire) only when the cached count is zero. Not
     * cumulative: see the class comment.
     */
    public int peek(int max) {
        assert max >= 0 : "negative peek " + max;
        final int consumer = this.consumer;
        int available = cachedProducer - consumer;
        if (available == 0) {
            final int producer = producerAcquire();
            cachedProducer = producer;
            available = producer - consumer;
        }
        final int n = Math.min(available, max);
        peeked = n;
        return n;
    }

    /** u32 index of the first peeked entry (the published consumer index); mask happens on use. */
    public int consumedIndex() {
        return consumer;
    }

    /** The UMEM address of an entry: {@code xdp_desc.addr} on RX, the u64 entry on COMPLETION. */
    public long address(int index) {
        return (long) LONG_PLAIN.get(AddressSpace.ALL, entryAddress(index) + ENTRY_ADDR_OFFSET);
    }

    /** {@code xdp_desc.len} of an RX entry. For rings of entry size 16. */
    public int length(int index) {
        return (int) INT_PLAIN.get(AddressSpace.ALL, entryAddress(index) + ENTRY_LEN_OFFSET);
    }

    /** {@code xdp_desc.options} of an RX entry ({@link XskRingDescriptor#OPTION_PACKET_CONTINUES}). */
    public int options(int index) {
        return (int) INT_PLAIN.get(AddressSpace.ALL, entryAddress(index) + ENTRY_OPTIONS_OFFSET);
    }

    /** Hands the first {@code n} peeked entries back to the kernel: consumer += n, with a release store. */
    public void releaseRelease(int n) {
        assert n >= 0 && n <= peeked : "releasing " + n + " entries of a peek of " + peeked;
        final int next = consumer + n;
        consumer = next;
        peeked = 0;
        // release: our reads of the entries above must complete before the kernel may overwrite their slots
        INT.setRelease(AddressSpace.ALL, consumerAddress, next);
    }

    /** Whether the flags word has {@code XDP_RING_NEED_WAKEUP} set, acquire load. */
    public boolean needsWakeup() {
        return ((int) INT.getAcquire(AddressSpace.ALL, flagsAddress) & NEED_WAKEUP) != 0;
    }

    /** Exact number of available entries right now (acquire load of the producer, which refreshes the cache). */
    public int availableAcquire() {
        final int producer = producerAcquire();
        cachedProducer = producer;
        return producer - consumer;
    }

    private int producerAcquire() {
        return (int) INT.getAcquire(AddressSpace.ALL, producerAddress);
    }

    @Override
    public String toString() {
        return "XskConsumerRing[size=" + size + ", consumer=" + Integer.toUnsignedString(consumer)
            + ", cachedProducer=" + Integer.toUnsignedString(cachedProducer) + "]";
    }
}
