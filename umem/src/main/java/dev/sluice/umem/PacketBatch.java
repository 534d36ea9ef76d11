package dev.sluice.umem;

import java.lang.foreign.MemorySegment;

/**
 * A burst of packets: parallel arrays of UMEM addresses and lengths, and one {@link Packet}
 * flyweight per slot, created once. Receiving fills it, transmitting or releasing empties it;
 * nothing is allocated per burst.
 *
 * <p>While a batch holds packets, their frames are owned by whoever holds the batch: hand it to
 * {@code transmit} or {@code release} of a port sharing the UMEM, never drop it on the floor.
 */
public final class PacketBatch {
    private final MemorySegment umem;
    private final long[] addresses;
    private final int[] lengths;
    private final Packet[] packets;
    private int count;

    public PacketBatch(MemorySegment umem, int capacity) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("batch capacity must be in 1..4096, not " + capacity);
        }
        this.umem = umem;
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

    public void setLength(int i, int length) {
        lengths[i] = length;
    }

    public void setAddress(int i, long address) {
        addresses[i] = address;
    }

    /** Appends a packet; the caller checked {@link #remaining()}. */
    public void add(long address, int length) {
        int n = count;
        addresses[n] = address;
        lengths[n] = length;
        count = n + 1;
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
