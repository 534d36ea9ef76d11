package dev.sluice.drivers.pcap;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.FramePool;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/**
 * A port over capture files: receives the Ethernet packets of a pcap or pcapng file, transmits
 * into a pcap file (or drops when there is none). Needs no privileges; for offline runs
 * ({@code --driver pcap --in A.pcap --out B.pcap}) and tests.
 *
 * <p>This is the one driver that copies: {@link #receive} copies each packet from the mapped file
 * into a frame of the port's own UMEM, at the same place in the frame where AF_XDP puts received
 * data (after 256 bytes of kernel headroom and the configured headroom), so handlers see the same
 * room to prepend headers. A packet longer than the rest of the frame is cut to it and counted in
 * {@link #truncatedPackets()}: size the frames from {@link PcapReader#survey(int)} so that none is. Packets of other link types (pcapng interfaces that are not
 * Ethernet, a raw-IP pcap) are skipped and counted, with the reason in {@link #skipReason()}.
 *
 * <p>Each frame remembers the timestamp and original length of the packet received into it, so an
 * offline pcap-to-pcap run writes the input's timestamps ({@link #timestampNanos}); the metadata is
 * kept per frame, not per batch slot, so it follows a packet when batches are reordered; the output
 * keeps the input's timestamp resolution unless the options name one. Frames
 * taken with {@link #allocate} carry no timestamp and are written with the time of transmission.
 *
 * <p>Frame accounting: a frame is either free in the pool or held by the application (received or
 * allocated, not yet transmitted or released); transmitting writes synchronously into the output
 * buffer, so a transmitted frame is back in the pool when {@link #transmit} returns.
 * {@code framesAvailable() + framesHeld()} always equals the UMEM's frame count.
 *
 * <p>Damage in the input ends it (after every complete packet before the damage was delivered):
 * {@link #endOfInput()} becomes true and {@link #inputProblem()} says what and where. A failing
 * output (disk full) drops the packets from then on, counted in {@code dropped}, and
 * {@link #outputProblem()} says why. Data-path methods never throw, as the {@link Port} contract
 * says, except for a batch from another UMEM (a programming error: this port's UMEM is its own).
 */
public final class PcapPort implements Port {
    /** Timestamp of a frame that holds no received packet: written with the time of transmission. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    private final String name;
    private final PcapReader reader;
    private final PcapWriter writer;
    private final Umem umem;
    private final FramePool pool;
    private final FrameOwnership ownership;
    private final PortCounters counters;
    private final int dataOffset;
    private final int frameRoom;
    private final int frameShift;
    private final long frameMask;
    // Per frame (index = address >>> frameShift): what the packet received into it looked like.
    private final long[] frameTimestamp;
    private final int[] frameCaptured;
    private final int[] frameOriginal;
    // Wall clock without allocation: epoch nanos at open plus elapsed System.nanoTime().
    private final long epochNanosAtOpen;
    private final long nanoTimeAtOpen;

    private long passesLeft;
    private long deliveredThisPass;
    private boolean endOfInput;
    private int held;
    private long truncated;
    private long skipped;
    private String skipReason;
    private IOException outputFailure;
    private boolean closed;

    private PcapPort(String name, PcapReader reader, PcapWriter writer, Umem umem, PcapPortOptions options, PortCounters counters) {
        this.counters = counters;
        this.name = name;
        this.reader = reader;
        this.writer = writer;
        this.umem = umem;
        this.pool = FramePool.ofFrames(umem, 0, umem.frameCount());
        this.ownership = options.trackFrames() ? new FrameOwnership(umem) : null;
        this.dataOffset = UmemConfig.KERNEL_HEADROOM + umem.headroom();
        this.frameRoom = umem.frameSize() - dataOffset;
        this.frameShift = Integer.numberOfTrailingZeros(umem.frameSize());
        this.frameMask = ~((long) umem.frameSize() - 1);
        this.frameTimestamp = new long[umem.frameCount()];
        this.frameCaptured = new int[umem.frameCount()];
        this.frameOriginal = new int[umem.frameCount()];
        Arrays.fill(frameTimestamp, NO_TIMESTAMP);
        Instant now = Instant.now();
        this.nanoTimeAtOpen = System.nanoTime();
        this.epochNanosAtOpen = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.passesLeft = options.passes();
        this.endOfInput = reader == null;
    }

    /**
     * Opens a port reading {@code in} and writing {@code out}.
     *
     * @param in  capture to receive from (pcap or pcapng), or null for a port that only transmits
     * @param out pcap file to create for transmitted packets, or null to drop them
     * @throws PortSetupException when a file cannot be opened, the input is not a capture, or the
     *                            output is the input (by name or through a link)
     */
    public static PcapPort open(Path in, Path out, PcapPortOptions options) {
        return open(in, out, options, CounterAllocator.inMemory());
    }

    /** As {@link #open(Path, Path, PcapPortOptions)}, with the port's counters from {@code counters}. */
    public static PcapPort open(Path in, Path out, PcapPortOptions options, CounterAllocator counters) {
        PcapReader reader = null;
        PcapWriter writer = null;
        Umem umem = null;
        try {
            if (in != null && out != null && Files.exists(out) && Files.isSameFile(in, out)) {
                // Creating the output would truncate the input before a packet of it is read.
                throw new PortSetupException(Reason.CAPTURE_FILE, "the output " + out + " is the input " + in
                        + (in.equals(out) ? "" : " (through a link)") + ": writing it would destroy the capture");
            }
            if (in != null) {
                reader = PcapReader.open(in);
            }
            if (out != null) {
                writer = PcapWriter.create(out, outputPrecision(options, reader));
            }
            umem = Umem.allocate(options.umem());
            String name = "pcap:" + (in == null ? "-" : in.getFileName()) + "->" + (out == null ? "-" : out.getFileName());
            return new PcapPort(name, reader, writer, umem, options, PortCounters.allocate(counters, name));
        } catch (IOException | RuntimeException e) {
            closeQuietly(reader, writer, umem, e);
            if (e instanceof NoSuchFileException x) {
                throw new PortSetupException(Reason.CAPTURE_FILE, "cannot open " + x.getFile() + ": no such file", e);
            }
            if (e instanceof IOException) {
                throw new PortSetupException(Reason.CAPTURE_FILE, "cannot open capture file: " + e, e);
            }
            if (e instanceof PcapFormatException) {
                throw new PortSetupException(Reason.CAPTURE_FILE, in + ": " + e.getMessage(), e);
            }
            throw (RuntimeException) e;
        }
    }

    /** The configured precision, or the input's when none is configured. */
    private static PcapWriter.Precision outputPrecision(PcapPortOptions options, PcapReader reader) {
        if (options.outputPrecision() != null) {
            return options.outputPrecision();
        }
        if (reader == null) {
            return PcapWriter.Precision.MICROSECONDS;
        }
        if (reader.format() == PcapReader.Format.PCAP) {
            return reader.nanosecondFile() ? PcapWriter.Precision.NANOSECONDS : PcapWriter.Precision.MICROSECONDS;
        }
        return reader.survey(Integer.MAX_VALUE).precision(); // pcapng: any interface may be the finer one
    }

    private static void closeQuietly(PcapReader reader, PcapWriter writer, Umem umem, Exception cause) {
        for (AutoCloseable c : new AutoCloseable[] {reader, writer, umem}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PacketBatch newBatch(int capacity) {
        return new PacketBatch(umem, capacity);
    }

    // ------------------------------------------------------------------ receive

    @Override
    public int receive(PacketBatch batch) {
        if (endOfInput) {
            return 0;
        }
        checkUmem(batch);
        int room = batch.remaining();
        if (room > pool.available()) {
            room = pool.available();
            if (room == 0) {
                counters.add(PortCounters.FILL_STARVED, 1);
                return 0;
            }
        }
        PcapReader in = reader;
        FramePool p = pool;
        FrameOwnership own = ownership;
        var segment = umem.segment();
        int n = 0;
        long bytes = 0;
        while (n < room && nextEthernet()) {
            long frame = p.allocate();
            int length = in.copyTo(segment, frame + dataOffset, frameRoom);
            if (length < in.capturedLength()) {
                truncated++;
            }
            int index = (int) (frame >>> frameShift);
            frameTimestamp[index] = in.timestampNanos();
            frameCaptured[index] = length;
            frameOriginal[index] = in.originalLength();
            if (own != null) {
                own.move(frame, FrameOwnership.POOL, FrameOwnership.APP);
            }
            batch.add(frame + dataOffset, length);
            bytes += length;
            n++;
        }
        held += n;
        counters.add(PortCounters.RX_PACKETS, n);
        counters.add(PortCounters.RX_BYTES, bytes);
        return n;
    }

    /** Moves the reader to the next Ethernet packet, skipping others and starting new passes. */
    private boolean nextEthernet() {
        PcapReader in = reader;
        for (;;) {
            if (in.next()) {
                if (in.linkType() == LinkType.ETHERNET) {
                    deliveredThisPass++;
                    return true;
                }
                skip(in);
                continue;
            }
            // A pass that delivered nothing would deliver nothing again: stop instead of spinning.
            if (passesLeft > 1 && deliveredThisPass > 0 && in.problems() == 0) {
                passesLeft--;
                deliveredThisPass = 0;
                in.rewind();
                continue;
            }
            endOfInput = true;
            return false;
        }
    }

    private void skip(PcapReader in) {
        if (skipped++ == 0) { // one message, built once
            skipReason = "packet at offset " + in.recordOffset() + " (interface " + in.interfaceId() + ") has link type "
                    + LinkType.describe(in.linkType()) + ", not Ethernet: skipped, as are all packets that are not Ethernet";
        }
    }

    // ------------------------------------------------------------------ transmit

    @Override
    public int transmit(PacketBatch batch) {
        int count = batch.count();
        if (count == 0) {
            return 0;
        }
        checkUmem(batch);
        PcapWriter out = writer;
        var segment = umem.segment();
        long now = NO_TIMESTAMP;
        int written = 0;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            long addr = batch.address(i);
            int length = batch.length(i);
            int index = (int) (addr >>> frameShift);
            if (out != null && outputFailure == null) {
                long ts = frameTimestamp[index];
                if (ts == NO_TIMESTAMP) {
                    if (now == NO_TIMESTAMP) {
                        now = epochNanosAtOpen + (System.nanoTime() - nanoTimeAtOpen);
                    }
                    ts = now;
                }
                // The original length still describes the packet only if the handler kept its length.
                int original = length == frameCaptured[index] ? frameOriginal[index] : length;
                try {
                    out.write(segment, addr, length, original, ts);
                    written++;
                    bytes += length;
                } catch (IOException e) {
                    outputFailure = e;
                }
            }
            freeFrame(addr, index);
        }
        held -= count;
        batch.clear();
        counters.add(PortCounters.TX_PACKETS, written);
        counters.add(PortCounters.TX_BYTES, bytes);
        counters.add(PortCounters.DROPPED, count - written);
        return written;
    }

    @Override
    public int allocate(PacketBatch batch, int count, int length) {
        checkUmem(batch);
        int n = Math.min(Math.min(count, batch.remaining()), pool.available());
        int len = Math.min(length, frameRoom);
        FrameOwnership own = ownership;
        for (int i = 0; i < n; i++) {
            long frame = pool.allocate();
            if (own != null) {
                own.move(frame, FrameOwnership.POOL, FrameOwnership.APP);
            }
            batch.add(frame + dataOffset, len);
        }
        held += n;
        return n;
    }

    @Override
    public void release(PacketBatch batch) {
        int count = batch.count();
        if (count == 0) {
            return;
        }
        checkUmem(batch);
        for (int i = 0; i < count; i++) {
            long addr = batch.address(i);
            freeFrame(addr, (int) (addr >>> frameShift));
        }
        held -= count;
        counters.add(PortCounters.DROPPED, count);
        batch.clear();
    }

    private void freeFrame(long addr, int index) {
        frameTimestamp[index] = NO_TIMESTAMP;
        frameCaptured[index] = -1;
        pool.free(addr & frameMask);
        if (ownership != null) {
            ownership.move(addr, FrameOwnership.APP, FrameOwnership.POOL);
        }
    }

    private void checkUmem(PacketBatch batch) {
        if (batch.umem() != umem.segment()) {
            throw new IllegalArgumentException("batch belongs to another UMEM: " + name
                    + " has frame memory of its own; make batches with its newBatch()");
        }
    }

    // ------------------------------------------------------------------ per-packet metadata

    /** Timestamp (ns since 1970) of packet {@code i} as read from the input, or -1 when it has none. */
    public long timestampNanos(PacketBatch batch, int i) {
        long ts = frameTimestamp[(int) (batch.address(i) >>> frameShift)];
        return ts == NO_TIMESTAMP ? -1 : ts;
    }

    /** Sets the timestamp packet {@code i} is written with (e.g. for an allocated packet). */
    public void setTimestampNanos(PacketBatch batch, int i, long nanos) {
        frameTimestamp[(int) (batch.address(i) >>> frameShift)] = nanos;
    }

    /** Length packet {@code i} had on the wire per the input (its length when it came from allocate). */
    public int originalLength(PacketBatch batch, int i) {
        int index = (int) (batch.address(i) >>> frameShift);
        return batch.length(i) == frameCaptured[index] ? frameOriginal[index] : batch.length(i);
    }

    // ------------------------------------------------------------------ state

    /**
     * Replays the input {@code passes} times in all, counting the pass under way (as the option).
     * Every pass delivers the file's own timestamps. An input that is damaged, or that holds no
     * Ethernet packet, is not replayed: another pass would deliver the same nothing again.
     */
    public void loop(long passes) {
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be at least 1, not " + passes);
        }
        this.passesLeft = passes;
    }

    /** True once every pass over the input has been received (or damage ended it, or there is no input). */
    public boolean endOfInput() {
        return endOfInput;
    }

    /** What ended the input early (damage, with its byte offset), or null. */
    public String inputProblem() {
        return reader == null ? null : reader.problem();
    }

    /** Why packets stopped being written (the I/O error), or null. */
    public String outputProblem() {
        return outputFailure == null ? null : String.valueOf(outputFailure);
    }

    /** Packets cut to the frame because they were longer than a frame's room. */
    public long truncatedPackets() {
        return truncated;
    }

    /** Packets of the input skipped because their link type is not Ethernet. */
    public long skippedPackets() {
        return skipped;
    }

    /** Why the first packet was skipped, or null. */
    public String skipReason() {
        return skipReason;
    }

    /** Bytes of packet data a frame holds. */
    public int frameRoom() {
        return frameRoom;
    }

    /** Frames free in the pool. */
    public int framesAvailable() {
        return pool.available();
    }

    /** Frames held by the application (received or allocated, not yet transmitted or released). */
    public int framesHeld() {
        return held;
    }

    public int frameCount() {
        return umem.frameCount();
    }

    /** Per-frame ownership record, or null unless {@link PcapPortOptions#trackFrames()}. */
    public FrameOwnership ownership() {
        return ownership;
    }

    @Override
    public PortCounters counters() {
        return counters;
    }

    /** Hands written packets to the OS: the output is a complete capture afterwards. */
    public void flush() {
        if (writer != null && outputFailure == null) {
            try {
                writer.flush();
            } catch (IOException e) {
                outputFailure = e;
            }
        }
    }

    /**
     * Flushes and closes the output, unmaps the input and frees the UMEM.
     *
     * @throws UncheckedIOException when the output could not be completed
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            if (reader != null) {
                reader.close();
            }
            umem.close();
        }
        if (failure != null && outputFailure == null) {
            throw new UncheckedIOException("closing " + writer.file() + " failed", failure);
        }
    }
}
