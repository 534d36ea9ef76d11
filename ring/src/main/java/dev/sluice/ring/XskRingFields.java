package dev.sluice.ring;

import java.lang.foreign.MemorySegment;

/**
 * The fields of user space's two views of an XSK ring ({@link XskConsumerRing},
 * {@link XskProducerRing}): the ring's absolute addresses and geometry, read-only, then each view's
 * own index, cached copy of the kernel's and last burst size, written by the thread that drives the
 * ring. One place for the addresses and their validation.
 * <p>
 * Padding: the fields sit between 128-byte runs of unused longs (a cache line and its adjacent-line
 * prefetch partner, as in {@link SpscRingFields}). A port's views are small objects allocated one
 * after another with its other objects, and different threads drive different queues (and, in the
 * simulator, the two sides of one ring): without the padding, one thread's index updates
 * invalidate the line another thread's ring fields live on. HotSpot lays out a superclass's fields
 * before its subclass's, and longs before ints, so the chain below fixes the order:
 * <p>
 * Per-entry accessors of the views ({@code address}, {@code length}, {@code putAddress}, ...) stay
 * below C2's 35-byte inlining limit for call sites it profiles as cold, e.g. the entry loop of a
 * receive that mostly finds nothing: they carry no assertion about the entry size, which the view
 * fixes when it is built (with an assertion, {@code length} did not inline in some JVMs).
 * <pre>
 *   header | int pad (fills the header gap) | 16 longs pad | addresses | size, mask, entryShift, mapping
 *          | the view's three ints | 16 longs pad (in the final class)
 * </pre>
 */
abstract sealed class XskRingFields permits XskConsumerRingFields, XskProducerRingFields {
    int p00;
    long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;

    /** The mapping, kept for its lifetime: the data path uses the absolute addresses below. */
    final MemorySegment mapping;
    final long producerAddress;
    final long consumerAddress;
    final long flagsAddress;
    final long descAddress;
    final int size;
    final int mask;
    final int entryShift;

    /** See the public constructors of the two views. */
    XskRingFields(MemorySegment mapping, XskRingOffsets offsets, int size, int entrySize) {
        this.entryShift = XskRingDescriptor.validate(mapping, offsets, size, entrySize);
        this.mapping = mapping;
        final long base = mapping.address(); // validate() checked every offset against the mapping's size
        this.producerAddress = base + offsets.producer();
        this.consumerAddress = base + offsets.consumer();
        this.flagsAddress = base + offsets.flags();
        this.descAddress = base + offsets.desc();
        this.size = size;
        this.mask = size - 1;
    }

    /** Absolute address of the entry of u32 ring index {@code index}. */
    final long entryAddress(int index) {
        return descAddress + ((long) (index & mask) << entryShift);
    }
}

abstract sealed class XskConsumerRingFields extends XskRingFields permits XskConsumerRing {
    /** Our consumer index, the value last released to the kernel (we are its only writer). */
    int consumer;
    /** Kernel producer index last acquired. */
    int cachedProducer;
    /** Size of the last peek, for assertions only. */
    int peeked;

    XskConsumerRingFields(MemorySegment mapping, XskRingOffsets offsets, int size, int entrySize) {
        super(mapping, offsets, size, entrySize);
    }
}

abstract sealed class XskProducerRingFields extends XskRingFields permits XskProducerRing {
    /** Our producer index, the value last released to the kernel (we are its only writer). */
    int producer;
    /** Kernel consumer index last acquired, plus size: the producer may advance up to here. */
    int cachedLimit;
    /** Size of the last reservation, for assertions only. */
    int reserved;

    XskProducerRingFields(MemorySegment mapping, XskRingOffsets offsets, int size, int entrySize) {
        super(mapping, offsets, size, entrySize);
    }
}
