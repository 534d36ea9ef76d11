package dev.sluice.umem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Flyweight over one packet of a {@link PacketBatch}: its bytes are read and written in place in
 * the UMEM frame, never copied. Multi-byte accessors are big-endian (network order). Offsets are
 * relative to the first byte of the packet; callers check them against {@link #length()}.
 *
 * <p>The packet's start may move inside its frame: {@link #prepend} grows it into the
 * {@link #headroom()} (to push an encapsulation header in front, without copying the payload),
 * {@link #trimFront} shrinks it from the front. Both are bounded by the frame, so offsets
 * stay relative to the new start and the frame is given back correctly whatever the start is.
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

    /** Bytes free in the frame before the packet: how far {@link #prepend} can go. */
    public int headroom() {
        return batch.headroom(slot);
    }

    /** Bytes free in the frame after the packet: how far the length can grow at the end. */
    public int tailroom() {
        return batch.tailroom(slot);
    }

    /**
     * Moves the packet's start {@code n} bytes earlier, into the headroom; the length grows by
     * {@code n} and every offset now counts from the new start. The {@code n} new bytes hold
     * whatever the frame held there: the caller writes them. Returns false, with nothing changed,
     * when the headroom is shorter than {@code n} (or {@code n} is negative).
     */
    public boolean prepend(int n) {
        return batch.prepend(slot, n);
    }

    /**
     * Drops the first {@code n} bytes of the packet (decapsulation): its start moves {@code n} bytes
     * later and the length shrinks by {@code n}. Returns false, with nothing changed, when the packet
     * is shorter than {@code n} (or {@code n} is negative).
     */
    public boolean trimFront(int n) {
        return batch.trimFront(slot, n);
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
