package dev.sluice.ring;

import java.lang.foreign.Arena;

/**
 * The consumer's own index of a {@link MpscDescriptorRing}, in a Java field between 128-byte runs
 * of unused longs, as {@link SpscRingFields} does for both sides of the SPSC ring: the consumer
 * reads and writes it on every poll without a bounds check and without touching the line the
 * producers read the published consumer index from. The producers' state stays in ring memory
 * (they share it through CAS).
 * <pre>
 *   OffHeapRing fields | pad 128 | consumerIndex | pad 128 (in MpscDescriptorRing)
 * </pre>
 */
abstract sealed class MpscRingFields extends OffHeapRing permits MpscRingConsumerFields {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

    MpscRingFields(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}

abstract sealed class MpscRingConsumerFields extends MpscRingFields permits MpscDescriptorRing {
    /** The consumer's index: the next slot it reads. Consumer only; published off-heap for the producers. */
    long consumerIndex;

    MpscRingConsumerFields(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}
