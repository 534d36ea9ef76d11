package dev.sluice.sys;

import java.lang.foreign.MemorySegment;

/**
 * The whole address space as one memory segment, for data paths that address off-heap memory they
 * own by absolute address: {@code LONG.get(AddressSpace.ALL, base + offset)}.
 *
 * <h2>Why</h2>
 * A segment held in an instance field is not a constant to C2: every access then loads the field,
 * checks the segment's bounds against its length and, for a shared arena, checks that the arena is
 * still open, and a release store makes C2 redo those loads for the next access. {@code ALL} is a
 * {@code static final} of global scope: no liveness check, and its bounds check is against a
 * constant, so the rings that address through it pay neither (benchmarks/README.md, "Native
 * boundary", has the figures).
 *
 * <h2>The price</h2>
 * No liveness check: an access after the memory was freed (arena closed, ring unmapped) reads or
 * writes whatever is there now, or crashes the JVM, instead of throwing. Code that uses {@code ALL}
 * keeps the segment it got its base address from, checks every offset it derives from input
 * against that segment's size once (in a constructor), and its owners stop the threads of the data
 * path before they free the memory (Agrona's {@code UnsafeBuffer} makes the same trade).
 */
public final class AddressSpace {

    /** Every address, readable and writable as far as the JVM is concerned; global scope, never closed. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private AddressSpace() {
    }
}
