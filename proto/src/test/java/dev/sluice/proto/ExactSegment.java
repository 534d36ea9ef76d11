package dev.sluice.proto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A frame copied into native memory between two guard areas, exposed as a slice of exactly the
 * frame's length: any read or write past the frame throws IndexOutOfBoundsException (so a test
 * that overreads fails), and {@link #guardsIntact()} proves that nothing around it was written.
 */
final class ExactSegment {
    static final int GUARD = 64;
    private static final byte GUARD_BYTE = (byte) 0xA5;

    final MemorySegment whole;
    final MemorySegment frame;

    private ExactSegment(MemorySegment whole, MemorySegment frame) {
        this.whole = whole;
        this.frame = frame;
    }

    static ExactSegment of(byte[] bytes) {
        return of(bytes, bytes.length);
    }

    /** The first {@code length} bytes of {@code bytes}. */
    static ExactSegment of(byte[] bytes, int length) {
        MemorySegment whole = Arena.ofAuto().allocate(length + 2L * GUARD, 8);
        whole.fill(GUARD_BYTE);
        MemorySegment.copy(bytes, 0, whole, ValueLayout.JAVA_BYTE, GUARD, length);
        return new ExactSegment(whole, whole.asSlice(GUARD, length));
    }

    byte[] bytes() {
        return frame.toArray(ValueLayout.JAVA_BYTE);
    }

    boolean guardsIntact() {
        for (long i = 0; i < GUARD; i++) {
            if (whole.get(ValueLayout.JAVA_BYTE, i) != GUARD_BYTE
                    || whole.get(ValueLayout.JAVA_BYTE, whole.byteSize() - 1 - i) != GUARD_BYTE) {
                return false;
            }
        }
        return true;
    }
}
