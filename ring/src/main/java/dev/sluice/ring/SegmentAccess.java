package dev.sluice.ring;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The var handles every ring in this package uses, held in {@code static final} fields so that C2
 * treats them as constants (a non-constant VarHandle costs about 100 times more).
 * <p>
 * Coordinates are {@code (MemorySegment segment, long byteOffset)}; pass exactly those types so the
 * invocation needs no adaptation. Both layouts are native byte order (little-endian on x86-64, as
 * the kernel writes its rings) and naturally aligned: the ring classes check alignment once, in
 * their constructors, so the acquire/release access modes never fail on the hot path.
 * <p>
 * Access naming used by callers: {@code get}/{@code set} plain, {@code getAcquire} load-acquire,
 * {@code setRelease} store-release (ordered store; a plain {@code mov} on x86-64).
 */
final class SegmentAccess {

    /** u32 ring indices and flag words. */
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** u64 UMEM addresses and in-process descriptors. */
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /**
     * u64 fields and slots read and written with plain access only, whose alignment the ring
     * guarantees by construction (an aligned segment, offsets in multiples of 8): the unaligned
     * layout's handle skips the per-access alignment check (fewer instructions per descriptor; on
     * the two-core SpscRingPerf the difference stayed within the run-to-run noise). Never for
     * acquire/release or atomic access.
     */
    static final VarHandle LONG_PLAIN = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();

    /** u32 fields read and written with plain access only, naturally aligned by construction; as {@link #LONG_PLAIN}. */
    static final VarHandle INT_PLAIN = ValueLayout.JAVA_INT_UNALIGNED.varHandle();

    private SegmentAccess() {
    }
}
