package dev.sluice.ring;

/**
 * Layout of the in-process descriptor rings ({@link SpscDescriptorRing}, {@link MpscDescriptorRing},
 * {@link MpmcFrameRing}): one off-heap segment holding the published indices, the producers' shared
 * cached consumer index (MPSC) and the slots. One place for this layout; the rings only use the constants below.
 * <p>
 * Every index is a free-running u64 counter (it never wraps in practice: 2^63 descriptors at 10^9/s
 * take 292 years); slot of index {@code i} is {@code i & (capacity - 1)}. Each header field sits on
 * its own 128-byte line: a 64-byte line plus its adjacent-line prefetch partner, so that a write by
 * one side never invalidates a line the other side reads, except the index it means to publish.
 *
 * <h2>SPSC</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                producer index (u64), written by P             |  PRODUCER_INDEX_OFFSET            0
 *  |                    ... pad to 128 bytes ...                   |
 *  +---------------------------------------------------------------+
 *  |                consumer index (u64), written by C             |  CONSUMER_INDEX_OFFSET          128
 *  |                    ... pad to 128 bytes ...                   |
 *  +---------------------------------------------------------------+
 *  |        slot 0: descriptor (u64) | slot 1 | ... | slot cap-1   |  SPSC_SLOTS_OFFSET              256
 *  +---------------------------------------------------------------+
 *  |                    ... pad 128 bytes ...                      |
 *  +---------------------------------------------------------------+
 * </pre>
 * Only what the other side reads is here: each side's own index and its cached copy of the other's
 * are Java fields ({@link SpscRingFields}).
 *
 * <h2>MPSC</h2>
 * <pre>
 *  +---------------------------------------------------------------+
 *  |  producer index (u64): next index to claim, CAS by producers  |  PRODUCER_INDEX_OFFSET            0
 *  +---------------------------------------------------------------+
 *  |                consumer index (u64), written by C             |  CONSUMER_INDEX_OFFSET          128
 *  +---------------------------------------------------------------+
 *  |  producers' cached consumer index (u64), any producer          |  PRODUCER_CACHED_CONSUMER_OFFSET 256
 *  +---------------------------------------------------------------+
 *  |  slot 0: sequence (u64) | descriptor (u64) | slot 1 | ...     |  MPSC_SLOTS_OFFSET              384
 *  +---------------------------------------------------------------+
 *  |                    ... pad 128 bytes ...                      |
 *  +---------------------------------------------------------------+
 *  slot:  +0 sequence: equals the slot's index once the descriptor is published (initially -1)
 *         +8 descriptor
 * </pre>
 *
 * <h2>MPMC</h2>
 * <pre>
 *  +---------------------------------------------------------------+
 *  |  producer index (u64): next index to claim, CAS by producers  |  PRODUCER_INDEX_OFFSET            0
 *  +---------------------------------------------------------------+
 *  |  consumer index (u64): next index to claim, CAS by consumers  |  CONSUMER_INDEX_OFFSET          128
 *  +---------------------------------------------------------------+
 *  |  slot 0: sequence (u64) | value (u64) | slot 1 | ...          |  MPMC_SLOTS_OFFSET              256
 *  +---------------------------------------------------------------+
 *  |                    ... pad 128 bytes ...                      |
 *  +---------------------------------------------------------------+
 *  slot:  +0 sequence, for index i of the slot: i when free for the producer of i (initially the slot
 *            number), i + 1 once the value is published, i + capacity once consumed (next lap's i)
 *         +8 value
 * </pre>
 * No cached indices: producers and consumers both decide from the slots' sequences, so the slots
 * follow the two index lines directly. Each header line is padded to 128 bytes as in the SPSC layout.
 */
public final class DescriptorRingDescriptor {

    /** Bytes between header fields: two 64-byte cache lines (adjacent-line prefetch). */
    public static final int LINE = 128;

    /** Producer index (u64). SPSC: written by the producer only. MPSC, MPMC: claimed with a CAS. */
    public static final int PRODUCER_INDEX_OFFSET = 0;
    /** Consumer index (u64). SPSC, MPSC: written by the consumer only. MPMC: claimed with a CAS. */
    public static final int CONSUMER_INDEX_OFFSET = LINE;
    /** MPSC: the consumer index as last read by any producer (u64). */
    public static final int PRODUCER_CACHED_CONSUMER_OFFSET = 2 * LINE;

    /** SPSC: first slot; each slot is one u64 descriptor. */
    public static final int SPSC_SLOTS_OFFSET = 2 * LINE;
    /** SPSC slot size. */
    public static final int SPSC_SLOT_SIZE = Long.BYTES;
    /** log2(SPSC_SLOT_SIZE): {@code slot offset = SPSC_SLOTS_OFFSET + ((index & mask) << SPSC_SLOT_SHIFT)}. */
    public static final int SPSC_SLOT_SHIFT = 3;

    /** MPSC: first slot; each slot is a u64 sequence and a u64 descriptor. */
    public static final int MPSC_SLOTS_OFFSET = 3 * LINE;
    /** MPSC slot size. */
    public static final int MPSC_SLOT_SIZE = 2 * Long.BYTES;
    /** log2(MPSC_SLOT_SIZE): {@code slot offset = MPSC_SLOTS_OFFSET + ((index & mask) << MPSC_SLOT_SHIFT)}. */
    public static final int MPSC_SLOT_SHIFT = 4;
    /** MPSC: offset of the sequence in a slot. */
    public static final int MPSC_SEQUENCE_OFFSET = 0;
    /** MPSC: offset of the descriptor in a slot. */
    public static final int MPSC_DESCRIPTOR_OFFSET = Long.BYTES;
    /** MPSC: initial sequence of every slot; never equal to an index. */
    public static final long MPSC_UNPUBLISHED = -1L;

    /** MPMC: first slot, right after the two index lines; each slot is a u64 sequence and a u64 value. */
    public static final int MPMC_SLOTS_OFFSET = 2 * LINE;
    /** MPMC slot size. */
    public static final int MPMC_SLOT_SIZE = 2 * Long.BYTES;
    /** log2(MPMC_SLOT_SIZE): {@code slot offset = MPMC_SLOTS_OFFSET + ((index & mask) << MPMC_SLOT_SHIFT)}. */
    public static final int MPMC_SLOT_SHIFT = 4;
    /** MPMC: offset of the sequence in a slot. */
    public static final int MPMC_SEQUENCE_OFFSET = 0;
    /** MPMC: offset of the value in a slot. */
    public static final int MPMC_VALUE_OFFSET = Long.BYTES;

    /** Alignment of a ring segment, so that header lines are real cache-line pairs. */
    public static final int SEGMENT_ALIGNMENT = LINE;

    /** Largest capacity: keeps slot offsets and lengths far from overflow. */
    public static final int MAX_CAPACITY = 1 << 28;

    private DescriptorRingDescriptor() {
    }

    /** Bytes of an SPSC ring segment of {@code capacity} slots, tail padding included. */
    public static long spscLength(int capacity) {
        return SPSC_SLOTS_OFFSET + (long) checkCapacity(capacity) * SPSC_SLOT_SIZE + LINE;
    }

    /** Bytes of an MPSC ring segment of {@code capacity} slots, tail padding included. */
    public static long mpscLength(int capacity) {
        return MPSC_SLOTS_OFFSET + (long) checkCapacity(capacity) * MPSC_SLOT_SIZE + LINE;
    }

    /** Bytes of an MPMC ring segment of {@code capacity} slots, tail padding included. */
    public static long mpmcLength(int capacity) {
        return MPMC_SLOTS_OFFSET + (long) checkCapacity(capacity) * MPMC_SLOT_SIZE + LINE;
    }

    /** @throws IllegalArgumentException unless capacity is a power of two in [1, MAX_CAPACITY] */
    static int checkCapacity(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("descriptor ring capacity must be a power of two in [1, "
                + MAX_CAPACITY + "], was " + capacity);
        }
        return capacity;
    }
}
