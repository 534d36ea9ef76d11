package dev.sluice.umem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Flyweight over one packet of a {@link PacketBatch}: its bytes are read and written in place in
 * the UMEM frame, never copied. Multi-byte accessors are big-endian (network order). Offsets are
 * relative to the first byte of the packet; callers check them against {@link #length()}.
 */
public final class Packet {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final PacketBatch batch;
    private final int slot;

    Packet(PacketBatch batch, int slot) {
        this.batch = batch;
        this.slot = slot;
    }

    /** The UMEM segment; the packet starts at {@link #offset()} in it. */
    public MemorySegment segment() {
        return batch.umem();
    }

    /** UMEM address of the first byte. */
    public long offset() {
        return batch.address(slot);
    }

    public int length() {
        return batch.length(slot);
    }

    public void setLength(int length) {
        batch.setLength(slot, length);
    }

    public int getByte(int at) {
        return batch.umem().get(ValueLayout.JAVA_BYTE, offset() + at) & 0xff;
    }

    public void setByte(int at, int value) {
        batch.umem().set(ValueLayout.JAVA_BYTE, offset() + at, (byte) value);
    }

    public int getShort(int at) {
        return batch.umem().get(SHORT_BE, offset() + at) & 0xffff;
    }

    public void setShort(int at, int value) {
        batch.umem().set(SHORT_BE, offset() + at, (short) value);
    }

    public int getInt(int at) {
        return batch.umem().get(INT_BE, offset() + at);
    }

    public void setInt(int at, int value) {
        batch.umem().set(INT_BE, offset() + at, value);
    }

    public long getLong(int at) {
        return batch.umem().get(LONG_BE, offset() + at);
    }

    public void setLong(int at, long value) {
        batch.umem().set(LONG_BE, offset() + at, value);
    }

    /** Copies the packet out (tests and tools; allocates, never on a fast path). */
    public byte[] toArray() {
        return batch.umem().asSlice(offset(), length()).toArray(ValueLayout.JAVA_BYTE);
    }
}
