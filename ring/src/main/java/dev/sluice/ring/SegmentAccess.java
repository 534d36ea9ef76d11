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

    private SegmentAccess() {
    }
}
