package dev.sluice.proto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian (network order) loads and stores of unsigned 8/16/32-bit and 64-bit fields at any
 * alignment. The layouts are {@code static final} so that C2 folds them into plain moves with a
 * byte swap; every protocol class reads and writes packet bytes only through these methods.
 *
 * <p>No bounds are checked here beyond the segment's own: callers check offsets against the
 * packet length first. Nothing allocates.
 */
public final class NetworkOrder {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkOrder() {
    }

    public static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    public static int u16(MemorySegment s, long at) {
        return s.get(U16, at) & 0xFFFF;
    }

    /** A 32-bit field as a Java int (bit pattern; use {@code & 0xFFFF_FFFFL} for the unsigned value). */
    public static int u32(MemorySegment s, long at) {
        return s.get(U32, at);
    }

    public static long u64(MemorySegment s, long at) {
        return s.get(U64, at);
    }

    /** A 48-bit MAC address in the low bits of a long. */
    public static long u48(MemorySegment s, long at) {
        return ((long) u16(s, at) << 32) | (u32(s, at + 2) & 0xFFFF_FFFFL);
    }

    public static void put8(MemorySegment s, long at, int v) {
        s.set(ValueLayout.JAVA_BYTE, at, (byte) v);
    }

    public static void put16(MemorySegment s, long at, int v) {
        s.set(U16, at, (short) v);
    }

    public static void put32(MemorySegment s, long at, int v) {
        s.set(U32, at, v);
    }

    public static void put64(MemorySegment s, long at, long v) {
        s.set(U64, at, v);
    }

    public static void put48(MemorySegment s, long at, long v) {
        put16(s, at, (int) (v >>> 32));
        put32(s, at + 2, (int) v);
    }
}
