package dev.sluice.ring;

import java.lang.foreign.Arena;

/**
 * The private state of each side of a {@link SpscDescriptorRing}, in Java fields rather than in the
 * ring's off-heap memory: the producer's index and its cached copy of the consumer index, the
 * consumer's index and its cached copy of the producer index. Only the two published indices live
 * off-heap, where the other side reads them.
 * <p>
 * Why fields: a side reads and writes its own state on every call, and a field access costs no
 * bounds check and no line shared with the other side (benchmarks/README.md, "Descriptor rings",
 * compares it with all four values off-heap).
 * <p>
 * Padding: each side's fields sit between 128-byte runs of unused longs (a cache line and its
 * adjacent-line prefetch partner), so a write by one side never invalidates a line the other side
 * or the read-only fields above ({@link OffHeapRing}) live on. HotSpot lays out a superclass's
 * fields before its subclass's, so the chain of classes below fixes the order (the technique of
 * JCTools and Agrona; {@code @Contended} would need a JVM flag).
 * <pre>
 *   OffHeapRing fields | pad 128 | producerIndex, cachedConsumerIndex | pad 128
 *                      | consumerIndex, cachedProducerIndex | pad 128
 * </pre>
 */
abstract sealed class SpscRingFields extends OffHeapRing permits SpscRingProducerFields {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

    SpscRingFields(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}

abstract sealed class SpscRingProducerFields extends SpscRingFields permits SpscRingPadding {
    /** The producer's index: the next slot it writes. Producer only. */
    long producerIndex;
    /** The consumer index as the producer last read it. Producer only. */
    long cachedConsumerIndex;

    SpscRingProducerFields(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}

abstract sealed class SpscRingPadding extends SpscRingProducerFields permits SpscRingConsumerFields {
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    SpscRingPadding(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}

abstract sealed class SpscRingConsumerFields extends SpscRingPadding permits SpscRingTailPadding {
    /** The consumer's index: the next slot it reads. Consumer only. */
    long consumerIndex;
    /** The producer index as the consumer last read it. Consumer only. */
    long cachedProducerIndex;

    SpscRingConsumerFields(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}

abstract sealed class SpscRingTailPadding extends SpscRingConsumerFields permits SpscDescriptorRing {
    long r00, r01, r02, r03, r04, r05, r06, r07, r08, r09, r10, r11, r12, r13, r14, r15;

    SpscRingTailPadding(Arena arena, int capacity, long length, boolean owned) {
        super(arena, capacity, length, owned);
    }
}
