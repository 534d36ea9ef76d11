package dev.sluice.drivers.pcap;

import dev.sluice.umem.Packet;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static dev.sluice.drivers.pcap.PcapFileDescriptor.*;

/**
 * Writes a classic pcap file: little-endian, link type Ethernet, snapshot length 262144,
 * microsecond or nanosecond timestamps (layout in {@link PcapFileDescriptor}).
 *
 * <p>Records are gathered in a direct buffer and handed to the file with one write per buffer
 * full; writing a record allocates nothing.
 *
 * <p><b>What a file looks like after a stop.</b> The file header is written and handed to the OS
 * by {@link #create} itself, so the file is a valid (empty) capture from the start. Records are
 * only ever added whole to the buffer, and the buffer is only written at record boundaries, so a
 * file after {@link #flush()} or {@link #close()} is complete: every record whole. If the process
 * dies, the file holds the header and the records of every completed flush; if it dies inside a
 * flush's write(2), the last record in the file may be partial (a reader delivers everything
 * before it: see {@link PcapReader}). Records still in the buffer are lost: {@link #flush()} bounds
 * that loss (the OS, not the disk, has the data: {@link #sync()} for durability).
 *
 * <p>Not thread-safe.
 */
public final class PcapWriter implements AutoCloseable {
    public enum Precision { MICROSECONDS, NANOSECONDS }

    /** Snapshot length written in the header; longer packets are cut to it (original length kept). */
    public static final int SNAP_LENGTH = 262144;
    public static final int DEFAULT_BUFFER_BYTES = 1 << 20;

    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** ts_sec is an unsigned 32-bit count: timestamps are clamped into 1970-01-01 .. 2106-02-07. */
    private static final long MAX_SECONDS = 0xffff_ffffL;

    private final Path file;
    private final FileChannel channel;
    private final Precision precision;
    private final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private final long fracDivisor;
    private int buffered;
    private long records;
    private boolean closed;
    /** Set when a write to the file failed: the file may end mid-buffer, so nothing more is appended. */
    private IOException failure;

    private PcapWriter(Path file, FileChannel channel, Precision precision, int bufferBytes) {
        this.file = file;
        this.channel = channel;
        this.precision = precision;
        this.buffer = ByteBuffer.allocateDirect(bufferBytes);
        this.bufferSegment = MemorySegment.ofBuffer(buffer);
        this.fracDivisor = precision == Precision.NANOSECONDS ? 1 : 1000;
    }

    /** Creates (or truncates) {@code file} and writes the file header. */
    public static PcapWriter create(Path file, Precision precision) throws IOException {
        return create(file, precision, DEFAULT_BUFFER_BYTES);
    }

    /**
     * As {@link #create(Path, Precision)} with a buffer of {@code bufferBytes} (raised to hold at
     * least one record of the snapshot length).
     */
    public static PcapWriter create(Path file, Precision precision, int bufferBytes) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            PcapWriter w = new PcapWriter(file, channel, precision,
                    Math.max(bufferBytes, RECORD_HEADER_LENGTH + SNAP_LENGTH));
            w.writeFileHeader();
            w.flush();
            return w;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void writeFileHeader() {
        MemorySegment b = bufferSegment;
        b.set(INT_LE, MAGIC_OFFSET, precision == Precision.NANOSECONDS ? MAGIC_NANOS : MAGIC_MICROS);
        b.set(SHORT_LE, VERSION_MAJOR_OFFSET, (short) VERSION_MAJOR);
        b.set(SHORT_LE, VERSION_MINOR_OFFSET, (short) VERSION_MINOR);
        b.set(INT_LE, THISZONE_OFFSET, 0);
        b.set(INT_LE, SIGFIGS_OFFSET, 0);
        b.set(INT_LE, SNAPLEN_OFFSET, SNAP_LENGTH);
        b.set(INT_LE, LINKTYPE_OFFSET, LinkType.ETHERNET);
        buffered = FILE_HEADER_LENGTH;
    }

    /**
     * Appends one record: {@code length} bytes of {@code src} from {@code offset}.
     *
     * @param originalLength bytes the packet had on the wire (raised to {@code length} if smaller)
     * @param timestampNanos nanoseconds since 1970 (clamped to what the format holds)
     */
    public void write(MemorySegment src, long offset, int length, int originalLength, long timestampNanos)
            throws IOException {
        if (failure != null || closed) {
            throw failure != null ? failed() : new IOException(file + " is closed");
        }
        int captured = Math.min(length, SNAP_LENGTH);
        if (buffered + RECORD_HEADER_LENGTH + captured > buffer.capacity()) {
            flush();
        }
        long seconds = Math.floorDiv(timestampNanos, NANOS_PER_SECOND);
        long nanos = Math.floorMod(timestampNanos, NANOS_PER_SECOND);
        if (seconds < 0) {
            seconds = 0;
            nanos = 0;
        } else if (seconds > MAX_SECONDS) {
            seconds = MAX_SECONDS;
            nanos = NANOS_PER_SECOND - 1;
        }
        MemorySegment b = bufferSegment;
        int at = buffered;
        b.set(INT_LE, at + TS_SEC_OFFSET, (int) seconds);
        b.set(INT_LE, at + TS_FRAC_OFFSET, (int) (nanos / fracDivisor));
        b.set(INT_LE, at + INCL_LEN_OFFSET, captured);
        b.set(INT_LE, at + ORIG_LEN_OFFSET, Math.max(originalLength, length));
        MemorySegment.copy(src, offset, b, at + RECORD_HEADER_LENGTH, captured);
        buffered = at + RECORD_HEADER_LENGTH + captured;
        records++;
    }

    /** Appends {@code packet} as it is now, with the given timestamp. */
    public void write(Packet packet, long timestampNanos) throws IOException {
        write(packet.segment(), packet.offset(), packet.length(), packet.length(), timestampNanos);
    }

    /** Appends a frame held in an array (tools and tests). */
    public void write(byte[] frame, long timestampNanos) throws IOException {
        write(MemorySegment.ofArray(frame), 0, frame.length, frame.length, timestampNanos);
    }

    /** Hands every buffered record to the OS; afterwards the file is a complete capture. */
    public void flush() throws IOException {
        if (failure != null) {
            throw failed();
        }
        ByteBuffer b = buffer;
        b.clear().limit(buffered);
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            // Part of the buffer may be in the file: writing it again would duplicate records.
            failure = e;
            throw e;
        }
        buffered = 0;
    }

    private IOException failed() {
        return new IOException("an earlier write to " + file + " failed (" + failure.getMessage()
                + "); the file ends at the last record written before it", failure);
    }

    /** {@link #flush()}, then waits until the file's data is on the storage device. */
    public void sync() throws IOException {
        flush();
        channel.force(false);
    }

    public Path file() {
        return file;
    }

    public Precision precision() {
        return precision;
    }

    /** Records written so far (buffered ones included). */
    public long records() {
        return records;
    }

    /** Flushes and closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } finally {
            channel.close();
        }
    }
}
