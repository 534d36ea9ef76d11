package dev.sluice.ring;

import java.lang.foreign.MemorySegment;

/**
 * Layout of the four AF_XDP rings that the kernel shares with user space through {@code mmap}
 * (FILL, COMPLETION, RX, TX), and of their entries. One place for this layout; the ring views
 * {@link XskProducerRing} and {@link XskConsumerRing} only use the constants below.
 *
 * <h2>Mapping</h2>
 * The field offsets come from {@code getsockopt(XDP_MMAP_OFFSETS)} ({@link XskRingOffsets}); the
 * values shown are those of Linux 6.18 on x86-64 (64-byte cache lines), the same for all four rings.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      producer index (u32)                     |  offsets.producer()  (0)
 *  +---------------------------------------------------------------+
 *  |            padding: producer and consumer never share          |
 *  |            a cache line (nor its adjacent-line prefetch pair)  |
 *  +---------------------------------------------------------------+
 *  |                      consumer index (u32)                     |  offsets.consumer()  (128)
 *  +---------------------------------------------------------------+
 *  |                             ...                               |
 *  +---------------------------------------------------------------+
 *  |                       flags word (u32)                        |  offsets.flags()     (196)
 *  +---------------------------------------------------------------+
 *  |                             ...                               |
 *  +---------------------------------------------------------------+
 *  |                entry 0 | entry 1 | ... | entry size-1          |  offsets.desc()      (320)
 *  +---------------------------------------------------------------+
 *   mapping length = desc + size * entrySize
 * </pre>
 * Indices are free-running u32 counters (they wrap at 2^32); entry {@code i} lives at
 * {@code desc + (i & (size - 1)) * entrySize}, so {@code size} is a power of two. Producer minus
 * consumer (mod 2^32) is the number of filled entries, never more than {@code size}.
 * Flags word: bit {@link #NEED_WAKEUP} ({@code XDP_RING_NEED_WAKEUP}) asks user space for a syscall
 * (FILL: {@code recvfrom}/{@code poll}; TX: {@code sendto}) when the socket was bound with
 * {@code XDP_USE_NEED_WAKEUP}.
 *
 * <h2>Entries</h2>
 * FILL and COMPLETION entry ({@value #ADDRESS_ENTRY_SIZE} bytes): a UMEM address.
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                      addr (u64, UMEM offset)                  |  0
 *  +---------------------------------------------------------------+
 * </pre>
 * RX and TX entry, {@code struct xdp_desc} ({@value #DESC_ENTRY_SIZE} bytes):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                      addr (u64, UMEM offset)                  |  ENTRY_ADDR_OFFSET    0
 *  +-------------------------------+-------------------------------+
 *  |        len (u32)              |        options (u32)          |  ENTRY_LEN_OFFSET     8
 *  +-------------------------------+-------------------------------+  ENTRY_OPTIONS_OFFSET 12
 * </pre>
 * All fields are native byte order (little-endian on x86-64).
 *
 * <h2>Who produces what</h2>
 * User space produces FILL and TX ({@link XskProducerRing}) and consumes RX and COMPLETION
 * ({@link XskConsumerRing}); the kernel does the opposite.
 */
public final class XskRingDescriptor {

    /** Offset of {@code addr} (u64) in an entry of any of the four rings. */
    public static final int ENTRY_ADDR_OFFSET = 0;
    /** Offset of {@code len} (u32) in an RX/TX entry ({@code struct xdp_desc}). */
    public static final int ENTRY_LEN_OFFSET = 8;
    /** Offset of {@code options} (u32) in an RX/TX entry ({@code struct xdp_desc}). */
    public static final int ENTRY_OPTIONS_OFFSET = 12;

    /** Size of a FILL or COMPLETION entry: one u64 UMEM address. */
    public static final int ADDRESS_ENTRY_SIZE = 8;
    /** Size of an RX or TX entry: {@code struct xdp_desc}. */
    public static final int DESC_ENTRY_SIZE = 16;

    /** {@code XDP_RING_NEED_WAKEUP}: bit value in the ring's flags word. */
    public static final int NEED_WAKEUP = 1;

    /** {@code XDP_PKT_CONTD}: RX/TX descriptor option, the packet continues in the next descriptor. */
    public static final int OPTION_PACKET_CONTINUES = 1;

    private XskRingDescriptor() {
    }

    /**
     * Bytes to {@code mmap} for a ring of {@code size} entries of {@code entrySize} bytes:
     * {@code desc + size * entrySize}.
     */
    public static long mappingLength(XskRingOffsets offsets, int size, int entrySize) {
        return offsets.desc() + (long) size * entrySize;
    }

    /**
     * Checks everything a ring view relies on, once, so that the hot path needs no checks:
     * power-of-two size, entry size 8 or 16, every field inside the mapping and naturally aligned.
     *
     * @return log2(entrySize), the shift from a masked index to an entry offset
     * @throws IllegalArgumentException naming the first argument that is wrong
     */
    static int validate(MemorySegment mapping, XskRingOffsets offsets, int size, int entrySize) {
        if (mapping == null || offsets == null) {
            throw new IllegalArgumentException("mapping and offsets are required (mapping=" + mapping
                + ", offsets=" + offsets + ")");
        }
        if (size <= 0 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a positive power of two, was " + size);
        }
        if (entrySize != ADDRESS_ENTRY_SIZE && entrySize != DESC_ENTRY_SIZE) {
            throw new IllegalArgumentException("entry size must be " + ADDRESS_ENTRY_SIZE
                + " (FILL/COMPLETION) or " + DESC_ENTRY_SIZE + " (RX/TX), was " + entrySize);
        }
        long need = mappingLength(offsets, size, entrySize);
        need = Math.max(need, Math.max(offsets.producer(), Math.max(offsets.consumer(), offsets.flags())) + Integer.BYTES);
        if (mapping.byteSize() < need) {
            throw new IllegalArgumentException("ring mapping is " + mapping.byteSize() + " bytes, needs at least "
                + need + " for " + size + " entries of " + entrySize + " bytes at " + offsets);
        }
        checkAligned(mapping, "producer", offsets.producer(), Integer.BYTES);
        checkAligned(mapping, "consumer", offsets.consumer(), Integer.BYTES);
        checkAligned(mapping, "flags", offsets.flags(), Integer.BYTES);
        checkAligned(mapping, "desc", offsets.desc(), Long.BYTES);
        if (!mapping.isNative()) {
            throw new IllegalArgumentException("ring mapping must be native memory (mmap'ed or allocated by an arena), "
                + "not a heap segment: the data path addresses it by absolute address");
        }
        return Integer.numberOfTrailingZeros(entrySize);
    }

    private static void checkAligned(MemorySegment mapping, String field, long offset, int alignment) {
        boolean segmentAligned = mapping.maxByteAlignment() >= alignment;
        if (!segmentAligned || offset % alignment != 0) {
            throw new IllegalArgumentException("ring field '" + field + "' at offset " + offset
                + " of a mapping aligned to " + mapping.maxByteAlignment() + " bytes is not " + alignment
                + "-byte aligned (atomic index and entry access need natural alignment)");
        }
    }
}
