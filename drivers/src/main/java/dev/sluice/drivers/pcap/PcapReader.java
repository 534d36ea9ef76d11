package dev.sluice.drivers.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the packet records of a classic pcap file (either byte order, microsecond or nanosecond
 * timestamps) or a pcapng file (either byte order per section, several sections and interfaces,
 * any {@code if_tsresol}), through a read-only memory mapping of the whole file.
 *
 * <pre>{@code
 * try (PcapReader in = PcapReader.open(path)) {
 *     while (in.next()) {
 *         handle(in.timestampNanos(), in.linkType(), in.segment(), in.dataOffset(), in.capturedLength());
 *     }
 *     if (in.problem() != null) System.err.println("damaged capture: " + in.problem());
 * }
 * }</pre>
 *
 * <p>The reader is a cursor: {@link #next()} moves to the next packet record and the accessors
 * describe it, so reading allocates nothing per packet. Timestamps are nanoseconds since 1970 (a
 * Simple Packet Block has none and reports 0). Packets of every link type are reported; callers
 * that want Ethernet only check {@link #linkType()}.
 *
 * <p><b>Damage.</b> A header that is not pcap or pcapng, or is cut short, fails {@link #open} with
 * {@link PcapFormatException}. Damage further on (a record or block cut short, a captured length
 * beyond the snapshot length or the file, a block length that is not a multiple of 4 or differs
 * from its trailing copy, an unknown interface) ends the input: every complete packet before it is
 * reported first; then a lenient reader's {@code next()} returns false and {@link #problem()} says
 * what and where, while a strict reader's {@code next()} throws {@link PcapFormatException} with the
 * byte offset. Nothing outside the file is ever read.
 *
 * <p>The file must not be truncated by another process while it is open (a mapped read past the
 * new end would fault). One thread at a time.
 */
public final class PcapReader implements AutoCloseable {
    public enum Format { PCAP, PCAPNG }

    private final Path file;
    private final Arena arena;
    private final CaptureCursor cursor;
    private final Format format;
    private boolean closed;

    private PcapReader(Path file, Arena arena, CaptureCursor cursor, Format format) {
        this.file = file;
        this.arena = arena;
        this.cursor = cursor;
        this.format = format;
    }

    /** Opens leniently: damage after the header ends the input and is reported by {@link #problem()}. */
    public static PcapReader open(Path file) throws IOException {
        return open(file, false);
    }

    /**
     * Maps {@code file} and checks its header.
     *
     * @param strict throw {@link PcapFormatException} from {@link #next()} on damage instead of ending quietly
     * @throws PcapFormatException when the file is not pcap or pcapng or its header is damaged
     */
    public static PcapReader open(Path file, boolean strict) throws IOException {
        Arena arena = Arena.ofShared(); // the port may be opened on one thread and driven by another
        try {
            MemorySegment segment;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            CaptureCursor cursor = cursorFor(segment, strict);
            Format format = cursor instanceof PcapngCursor ? Format.PCAPNG : Format.PCAP;
            return new PcapReader(file, arena, cursor, format);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static CaptureCursor cursorFor(MemorySegment file, boolean strict) {
        long size = file.byteSize();
        if (size < 4) {
            throw new PcapFormatException("not a pcap or pcapng file: " + (size == 0 ? "it is empty" : "only " + size + " bytes long"), 0);
        }
        int le = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        int be = Integer.reverseBytes(le);
        if (le == PcapFileDescriptor.MAGIC_MICROS || be == PcapFileDescriptor.MAGIC_MICROS) {
            return new PcapCursor(file, strict, be == PcapFileDescriptor.MAGIC_MICROS, false);
        }
        if (le == PcapFileDescriptor.MAGIC_NANOS || be == PcapFileDescriptor.MAGIC_NANOS) {
            return new PcapCursor(file, strict, be == PcapFileDescriptor.MAGIC_NANOS, true);
        }
        if (le == PcapngDescriptor.SECTION_HEADER_BLOCK) {
            return new PcapngCursor(file, strict);
        }
        String hint = (be >>> 16) == 0x1f8b ? " (gzip-compressed? decompress it first)" : "";
        throw new PcapFormatException("not a pcap or pcapng file: magic 0x" + String.format("%08x", be) + hint, 0);
    }

    public Path file() {
        return file;
    }

    public Format format() {
        return format;
    }

    public long fileSize() {
        return cursor.size;
    }

    /** Byte order of the file (classic pcap) or of the section being read (pcapng). */
    public ByteOrder byteOrder() {
        return cursor.bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /** Classic pcap: whether the file's timestamps are nanoseconds; pcapng: false (per interface). */
    public boolean nanosecondFile() {
        return cursor instanceof PcapCursor c && c.nanosecond;
    }

    /** Classic pcap: the link type in the file header; pcapng: -1 (per interface). */
    public int fileLinkType() {
        return cursor instanceof PcapCursor c ? c.fileLinkType : -1;
    }

    /**
     * Reads every record from the start to sum the capture up, then rewinds: the next
     * {@link #next()} returns the first packet again. Damage ends the survey as it ends a pass, and
     * stays recorded ({@link #problem()}); a strict reader throws it.
     *
     * @param room count the Ethernet packets longer than this many bytes
     */
    public CaptureSurvey survey(int room) {
        rewind();
        long packets = 0;
        long ethernet = 0;
        long longer = 0;
        int largest = 0;
        int other = fileLinkType() != LinkType.ETHERNET ? fileLinkType() : -1;
        while (cursor.next()) {
            packets++;
            if (cursor.linkType == LinkType.ETHERNET) {
                ethernet++;
                largest = Math.max(largest, cursor.capturedLength);
                if (cursor.capturedLength > room) {
                    longer++;
                }
            } else if (other < 0) {
                other = cursor.linkType;
            }
        }
        boolean fine = cursor instanceof PcapngCursor c ? c.finerThanMicroseconds : nanosecondFile();
        rewind();
        return new CaptureSurvey(packets, ethernet, largest, longer, other, fine);
    }

    /** Classic pcap: the file header's snapshot length; pcapng: -1 (per interface). */
    public long snapLength() {
        return cursor instanceof PcapCursor c ? c.snapLength : -1;
    }

    /**
     * Moves to the next packet record.
     *
     * @return false at the end of the input, or at damage when lenient
     * @throws PcapFormatException at damage when strict (every later call throws it again)
     */
    public boolean next() {
        return cursor.next();
    }

    /** Back to the first packet, for another pass. A problem seen stays recorded. */
    public void rewind() {
        cursor.rewind();
    }

    /** Nanoseconds since 1970 of the current packet (0 for a pcapng Simple Packet Block). */
    public long timestampNanos() {
        return cursor.timestampNanos;
    }

    /** Bytes of the current packet present in the file. */
    public int capturedLength() {
        return cursor.capturedLength;
    }

    /** Bytes the current packet had on the wire (more than captured when the capture cut it). */
    public int originalLength() {
        return cursor.originalLength;
    }

    /** Link type of the current packet (of its interface in pcapng), e.g. {@link LinkType#ETHERNET}. */
    public int linkType() {
        return cursor.linkType;
    }

    /** pcapng interface id of the current packet within its section; 0 for classic pcap. */
    public int interfaceId() {
        return cursor.interfaceId;
    }

    /** Offset in the file of the current packet's record header or block. */
    public long recordOffset() {
        return cursor.recordOffset;
    }

    /** Offset in {@link #segment()} of the current packet's first byte. */
    public long dataOffset() {
        return cursor.dataOffset;
    }

    /** The whole file, mapped read-only; valid until {@link #close()}. */
    public MemorySegment segment() {
        return cursor.file;
    }

    /**
     * Copies up to {@code maxLength} bytes of the current packet to {@code dst} at {@code dstOffset};
     * returns how many (the captured length or {@code maxLength}, whichever is smaller).
     */
    public int copyTo(MemorySegment dst, long dstOffset, int maxLength) {
        int n = Math.min(cursor.capturedLength, maxLength);
        MemorySegment.copy(cursor.file, cursor.dataOffset, dst, dstOffset, n);
        return n;
    }

    /** The current packet's captured bytes (allocates: tools and tests). */
    public byte[] dataArray() {
        return cursor.file.asSlice(cursor.dataOffset, cursor.capturedLength).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Packets reported since the start (or the last rewind). */
    public long packets() {
        return cursor.records;
    }

    /** pcapng blocks skipped because their type carries no packets (name resolution, statistics, ...). */
    public long skippedBlocks() {
        return cursor instanceof PcapngCursor c ? c.skippedBlocks : 0;
    }

    /** What ended the input early, with its byte offset; null when none has been met. */
    public String problem() {
        return cursor.problem();
    }

    /** Offset of the damaged header, record or block, or -1. */
    public long problemOffset() {
        return cursor.problemOffset();
    }

    /** Times damage ended the input (once per pass over a damaged file). */
    public long problems() {
        return cursor.problems();
    }

    /** Unmaps the file; the segment and the current packet become invalid. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
