package dev.sluice.drivers.afpacket;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static dev.sluice.sys.TpacketDescriptor.*;

/**
 * The user side of a TPACKET_V3 RX ring: walks the blocks the kernel has handed over, record by
 * record, and gives each block back as soon as its last record has been read. Layout in
 * {@link dev.sluice.sys.TpacketDescriptor}.
 *
 * <p>Invariants: blocks are taken and returned in ring order (the kernel fills them in that
 * order); at most one block is held at a time (the one being read, and only while it has unread
 * records), so the kernel always has every other block to fill. One acquire load per block taken,
 * one release store per block returned; records are read with plain loads, ordered by that
 * acquire.
 *
 * <p>Single-threaded: one data-path thread drives it.
 */
final class TpacketRxRing {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;

    private final MemorySegment ring;
    private final int blockCount;
    private final int blockShift;

    /** The block being read, or the next one to take. */
    private int block;
    /** Records of the held block not yet read; 0 when no block is held. */
    private int remaining;
    /** Ring offset of the next record of the held block. */
    private long record;
    private boolean held;

    TpacketRxRing(MemorySegment mapping, int blockSize, int blockCount) {
        this.ring = mapping;
        this.blockCount = blockCount;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
    }

    /**
     * True when a record is ready to read at {@link #record()}; takes the next block from the kernel
     * if the held one is used up. Never blocks.
     */
    boolean hasRecord() {
        if (remaining > 0) {
            return true;
        }
        return takeBlock();
    }

    /** Takes blocks until one with records is found or the next one is still the kernel's. */
    private boolean takeBlock() {
        MemorySegment r = ring;
        for (int tries = 0; tries < blockCount; tries++) {
            long base = (long) block << blockShift;
            // Acquire: the kernel's record writes happen-before its TP_STATUS_USER store we observe.
            int status = (int) INT.getAcquire(r, base + BLOCK_STATUS_OFFSET);
            if ((status & TP_STATUS_USER) == 0) {
                return false;
            }
            int n = r.get(U32, base + BLOCK_NUM_PKTS_OFFSET);
            if (n > 0) {
                held = true;
                remaining = n;
                record = base + Integer.toUnsignedLong(r.get(U32, base + BLOCK_OFFSET_TO_FIRST_PKT_OFFSET));
                return true;
            }
            giveBack(base); // an empty block (the kernel does not retire those, but be safe)
        }
        return false;
    }

    /** Ring offset of the current record's tpacket3_hdr. */
    long record() {
        return record;
    }

    /** Ring offset of the current record's packet (its MAC header). */
    long packetOffset() {
        return record + (ring.get(U16, record + TP_MAC_OFFSET) & 0xffff);
    }

    /** Bytes of the current record's packet that were captured. */
    int snapLength() {
        return ring.get(U32, record + TP_SNAPLEN_OFFSET);
    }

    /** The packet's length on the wire (larger than {@link #snapLength()} when it was truncated). */
    int wireLength() {
        return ring.get(U32, record + TP_LEN_OFFSET);
    }

    /** Moves past the current record; gives the block back after its last record. */
    void advance() {
        if (--remaining > 0) {
            record += Integer.toUnsignedLong(ring.get(U32, record + TP_NEXT_OFFSET_OFFSET));
            return;
        }
        giveBack((long) block << blockShift);
    }

    private void giveBack(long base) {
        held = false;
        remaining = 0;
        // Release: every read of this block's records (and copy out of it) happens-before the
        // kernel may refill it.
        INT.setRelease(ring, base + BLOCK_STATUS_OFFSET, TP_STATUS_KERNEL);
        block = block + 1 == blockCount ? 0 : block + 1;
    }

    // ------------------------------------------------------------------ accounting (off the data path)

    int blockCount() {
        return blockCount;
    }

    int heldBlocks() {
        return held ? 1 : 0;
    }

    /** {kernel, ready, held, inconsistent}: block owners by status word, for frame accounting. */
    int[] blockOwners() {
        int kernel = 0;
        int ready = 0;
        int inconsistent = 0;
        for (int b = 0; b < blockCount; b++) {
            int status = (int) INT.getAcquire(ring, ((long) b << blockShift) + BLOCK_STATUS_OFFSET);
            boolean user = (status & TP_STATUS_USER) != 0;
            boolean mine = held && b == block;
            if (mine) {
                if (!user) {
                    inconsistent++;
                }
            } else if (user) {
                ready++;
            } else {
                kernel++;
            }
        }
        return new int[] {kernel, ready, held ? 1 : 0, inconsistent};
    }
}
