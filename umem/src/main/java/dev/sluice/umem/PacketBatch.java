package dev.sluice.umem;

import java.lang.foreign.MemorySegment;

/**
 * A burst of packets: parallel arrays of UMEM addresses and lengths, and one {@link Packet}
 * flyweight per slot, created once. Receiving fills it, transmitting or releasing empties it;
 * nothing is allocated per burst.
 *
 * <h2>Where a packet sits in its frame</h2>
 * Frames are aligned chunks of {@link #frameSize()} bytes, so the frame holding a packet starts at
 * {@code address & -frameSize} and the bytes between that start and the packet are its headroom:
 * <pre>
 *  frame start                  address                       address + length      frame end
 *  |<--------- headroom ------->|<---------- length ---------->|<---- tailroom ---->|
 * </pre>
 * {@link #prepend} moves the start into the headroom and {@link #trimFront} moves it back; both
 * keep the packet inside its frame, which is the invariant every port relies on when it gives a
 * frame back (ports recycle the frame that holds the address, wherever in the frame it points).
 *
 * <p>While a batch holds packets, their frames are owned by whoever holds the batch: hand it to
 * {@code transmit} or {@code release} of a port sharing the UMEM, never drop it on the floor.
 */
public final class PacketBatch {
    /** Smallest chunk size a UMEM may have: the frame size assumed when none is given. */
    public static final int MIN_FRAME_SIZE = 2048;

    private final MemorySegment umem;
    /** {@code umem}'s native address: a packet's first byte is at {@code umemAddress + address(i)}. */
    private final long umemAddress;
    private final int frameSize;
    private final long frameMask;
    private final long[] addresses;
    private final int[] lengths;
    private final Packet[] packets;
    private int count;

    /** A batch over the frames of {@code umem}. */
    public PacketBatch(Umem umem, int capacity) {
        this(umem.segment(), capacity, umem.frameSize());
    }

    /**
     * A batch over frame memory whose frame size is not known here: frames are taken to be
     * {@link #MIN_FRAME_SIZE} bytes, which is safe for larger frames too (the headroom seen is then
     * at most the true one, never more, so a prepend never leaves the frame).
     */
    public PacketBatch(MemorySegment umem, int capacity) {
        this(umem, capacity, MIN_FRAME_SIZE);
    }

    /** A batch over frame memory made of aligned frames of {@code frameSize} bytes (a power of two). */
    public PacketBatch(MemorySegment umem, int capacity, int frameSize) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("batch capacity must be in 1..4096, not " + capacity);
        }
        if (frameSize < 64 || Integer.bitCount(frameSize) != 1) {
            throw new IllegalArgumentException("frame size must be a power of two of at least 64, not " + frameSize);
        }
        if (!umem.isNative()) {
            throw new IllegalArgumentException("frame memory must be native (off-heap) memory, not " + umem);
        }
        this.umem = umem;
        this.umemAddress = umem.address();
        this.frameSize = frameSize;
        this.frameMask = -(long) frameSize;
        this.addresses = new long[capacity];
        this.lengths = new int[capacity];
        this.packets = new Packet[capacity];
        for (int i = 0; i < capacity; i++) {
            packets[i] = new Packet(this, i);
        }
    }

    public int capacity() {
        return addresses.length;
    }

    public int count() {
        return count;
    }

    public int remaining() {
        return addresses.length - count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The flyweight of slot {@code i} (valid while the batch holds that packet). */
    public Packet packet(int i) {
        return packets[i];
    }

    public long address(int i) {
        return addresses[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    /**
     * The native address of slot {@code i}'s first byte, for a handler that reads and writes its
     * packets through {@code dev.sluice.sys.AddressSpace.ALL} (no bounds or liveness check per
     * access). Such a handler takes over what {@link Packet}'s accessors check: it touches only
     * bytes it has proved to lie within the packet (or its frame's headroom), and only while it
     * holds the batch (the UMEM outlives every batch over it).
     */
    public long nativeAddress(int i) {
        return umemAddress + addresses[i];
    }

    public void setLength(int i, int length) {
        lengths[i] = length;
    }

    public void setAddress(int i, long address) {
        addresses[i] = address;
    }

    /** Bytes of each frame (aligned chunks: a frame starts at a multiple of this). */
    public int frameSize() {
        return frameSize;
    }

    /** UMEM address of the start of the frame holding packet {@code i}. */
    public long frameStart(int i) {
        return addresses[i] & frameMask;
    }

    /** Bytes free in the frame before packet {@code i}. */
    public int headroom(int i) {
        return (int) (addresses[i] & (frameSize - 1));
    }

    /** Bytes free in the frame after packet {@code i}. */
    public int tailroom(int i) {
        return frameSize - (int) (addresses[i] & (frameSize - 1)) - lengths[i];
    }

    /**
     * Moves the start of packet {@code i} {@code n} bytes earlier into its headroom (the length grows
     * by {@code n}; the new bytes hold whatever the frame held there). False, and nothing changed,
     * when {@code n} is negative or more than the headroom.
     */
    public boolean prepend(int i, int n) {
        long a = addresses[i];
        if (n < 0 || n > (int) (a & (frameSize - 1))) {
            return false;
        }
        addresses[i] = a - n;
        lengths[i] += n;
        return true;
    }

    /**
     * Moves the start of packet {@code i} {@code n} bytes later (the first {@code n} bytes leave the
     * packet and become headroom). False, and nothing changed, when {@code n} is negative or more
     * than the length.
     */
    public boolean trimFront(int i, int n) {
        int len = lengths[i];
        if (n < 0 || n > len) {
            return false;
        }
        addresses[i] += n;
        lengths[i] = len - n;
        return true;
    }

    /** Appends a packet; the caller checked {@link #remaining()}. */
    public void add(long address, int length) {
        int n = count;
        addresses[n] = address;
        lengths[n] = length;
        count = n + 1;
    }

    /**
     * Appends every packet of {@code from} (which keeps them: the caller clears it once the frames
     * are owned here); the caller checked that {@link #remaining()} is at least {@code from.count()}.
     */
    public void addAll(PacketBatch from) {
        int n = count;
        int k = from.count;
        System.arraycopy(from.addresses, 0, addresses, n, k);
        System.arraycopy(from.lengths, 0, lengths, n, k);
        count = n + k;
    }

    /** Forgets all packets: only for owners that have taken the frames back. */
    public void clear() {
        count = 0;
    }

    /**
     * Removes the packet at {@code i}, moving the last one into its slot, and returns its address so
     * that the caller can give the frame back.
     */
    public long removeSwap(int i) {
        long a = addresses[i];
        int last = --count;
        addresses[i] = addresses[last];
        lengths[i] = lengths[last];
        return a;
    }

    /** Keeps the first {@code n} packets (the caller owns the frames of the others). */
    public void truncate(int n) {
        count = n;
    }

    public MemorySegment umem() {
        return umem;
    }
}
