package dev.sluice.drivers.pcap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Walks the records of a mapped capture file, one at a time, and describes the current one in
 * plain fields: no object per record. Subclasses know one format each.
 *
 * <p>Invariant: every read is preceded by a check that it lies inside {@code [0, size)}; a record
 * is only reported when all of it lies inside the file. The segment's own bounds checks are a
 * second line of defence that a correct cursor never reaches.
 *
 * <p>Damage ends the walk: the cursor records the problem (message and offset), counts it, and
 * from then on reports the end of the input, or, in strict mode, throws {@link PcapFormatException}
 * every time it is asked for a record. Every complete record before the damage has been reported.
 */
abstract sealed class CaptureCursor permits PcapCursor, PcapngCursor {
    /**
     * Largest captured length believed: 256 MiB (Wireshark's largest per-record limit). Anything
     * bigger in a length field is damage, and keeps lengths within an {@code int}.
     */
    static final long MAX_CAPTURED_LENGTH = 1L << 28;

    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    final MemorySegment file;
    final long size;
    final boolean strict;
    /** Byte order of the fields being read (the file's, or the current pcapng section's). */
    boolean bigEndian;
    /** Offset of the next unread header or block. */
    long position;

    // The current record, valid after next() returned true.
    long recordOffset;
    long dataOffset;
    int capturedLength;
    int originalLength;
    long timestampNanos;
    int linkType;
    int interfaceId;

    private boolean stopped;
    private String problem;
    private long problemOffset = -1;
    private long problems;
    long records;

    CaptureCursor(MemorySegment file, boolean strict) {
        this.file = file;
        this.size = file.byteSize();
        this.strict = strict;
    }

    /** Moves to the next packet record; false at the end of the input or at damage (lenient mode). */
    final boolean next() {
        if (stopped) {
            if (strict && problem != null) {
                throw new PcapFormatException(problem, problemOffset);
            }
            return false;
        }
        if (advance()) {
            records++;
            return true;
        }
        return false;
    }

    /** Reads up to and including the next packet record; returns {@link #end()} or {@link #damage}. */
    abstract boolean advance();

    /** Offset of the first record or block after the file header. */
    abstract long firstRecordOffset();

    /** Called by {@link #rewind()} to reset format state (pcapng: interfaces, byte order). */
    void resetFormatState() {
    }

    /** Back to the first record; the problem seen, if any, stays recorded (and will be met again). */
    final void rewind() {
        resetFormatState();
        position = firstRecordOffset();
        stopped = false;
        records = 0;
    }

    final boolean end() {
        stopped = true;
        return false;
    }

    /** Records damage found at {@code offset}; throws in strict mode. */
    final boolean damage(long offset, String message) {
        stopped = true;
        problem = message;
        problemOffset = offset;
        problems++;
        if (strict) {
            throw new PcapFormatException(message, offset);
        }
        return false;
    }

    final String problem() {
        return problem;
    }

    final long problemOffset() {
        return problemOffset;
    }

    final long problems() {
        return problems;
    }

    final int int32(long offset) {
        return bigEndian ? file.get(INT_BE, offset) : file.get(INT_LE, offset);
    }

    final long uint32(long offset) {
        return int32(offset) & 0xffff_ffffL;
    }

    final int uint16(long offset) {
        return (bigEndian ? file.get(SHORT_BE, offset) : file.get(SHORT_LE, offset)) & 0xffff;
    }

    final long int64(long offset) {
        return bigEndian ? file.get(LONG_BE, offset) : file.get(LONG_LE, offset);
    }

    final int uint8(long offset) {
        return file.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    final void setRecord(long recordOffset, long dataOffset, long captured, long original, long nanos, int linkType,
                         int interfaceId) {
        this.recordOffset = recordOffset;
        this.dataOffset = dataOffset;
        this.capturedLength = (int) captured;
        this.originalLength = (int) Math.min(original, Integer.MAX_VALUE);
        this.timestampNanos = nanos;
        this.linkType = linkType;
        this.interfaceId = interfaceId;
    }
}
