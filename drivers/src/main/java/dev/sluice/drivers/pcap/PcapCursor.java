package dev.sluice.drivers.pcap;

import java.lang.foreign.MemorySegment;

import static dev.sluice.drivers.pcap.PcapFileDescriptor.*;

/** Records of a classic pcap file (layout in {@link PcapFileDescriptor}). */
final class PcapCursor extends CaptureCursor {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    final boolean nanosecond;
    final long snapLength;
    final int fileLinkType;
    private final long fracToNanos;

    /** Checks the file header; {@code bigEndian} and {@code nanosecond} come from the magic. */
    PcapCursor(MemorySegment file, boolean strict, boolean bigEndian, boolean nanosecond) {
        super(file, strict);
        this.bigEndian = bigEndian;
        this.nanosecond = nanosecond;
        this.fracToNanos = nanosecond ? 1 : 1000;
        if (size < FILE_HEADER_LENGTH) {
            throw new PcapFormatException("truncated pcap file header: " + size + " of " + FILE_HEADER_LENGTH + " bytes", 0);
        }
        int major = uint16(VERSION_MAJOR_OFFSET);
        if (major != VERSION_MAJOR) {
            throw new PcapFormatException("unsupported pcap version " + major + "." + uint16(VERSION_MINOR_OFFSET)
                    + " (expected " + VERSION_MAJOR + "." + VERSION_MINOR + ")", VERSION_MAJOR_OFFSET);
        }
        this.snapLength = uint32(SNAPLEN_OFFSET);
        this.fileLinkType = int32(LINKTYPE_OFFSET) & LINKTYPE_MASK;
        this.position = FILE_HEADER_LENGTH;
    }

    @Override
    long firstRecordOffset() {
        return FILE_HEADER_LENGTH;
    }

    @Override
    boolean advance() {
        long p = position;
        long remaining = size - p;
        if (remaining == 0) {
            return end();
        }
        if (remaining < RECORD_HEADER_LENGTH) {
            return damage(p, "truncated record header at offset " + p + ": " + remaining + " of "
                    + RECORD_HEADER_LENGTH + " bytes");
        }
        long captured = uint32(p + INCL_LEN_OFFSET);
        // snaplen 0 is written by some tools for "no limit"
        if (captured > MAX_CAPTURED_LENGTH || (snapLength != 0 && captured > snapLength)) {
            return damage(p, "record at offset " + p + ": captured length " + captured
                    + " exceeds the file's snapshot length " + snapLength);
        }
        if (captured > remaining - RECORD_HEADER_LENGTH) {
            return damage(p, "truncated record at offset " + p + ": captured length " + captured + " but only "
                    + (remaining - RECORD_HEADER_LENGTH) + " bytes follow its header");
        }
        long nanos = uint32(p + TS_SEC_OFFSET) * NANOS_PER_SECOND + uint32(p + TS_FRAC_OFFSET) * fracToNanos;
        setRecord(p, p + RECORD_HEADER_LENGTH, captured, uint32(p + ORIG_LEN_OFFSET), nanos, fileLinkType, 0);
        position = p + RECORD_HEADER_LENGTH + captured;
        return true;
    }
}
