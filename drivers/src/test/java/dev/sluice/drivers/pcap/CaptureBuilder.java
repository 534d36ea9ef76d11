package dev.sluice.drivers.pcap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds captures byte by byte, for what the Wireshark tools do not write: big-endian files,
 * pcapng with several sections of different byte orders, binary timestamp resolutions, timestamp
 * offsets, Simple and Obsolete Packet Blocks, unknown blocks. tshark then reads them as the oracle.
 * Layouts as in {@link PcapFileDescriptor} and {@link PcapngDescriptor}.
 */
final class CaptureBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteOrder order;
    private boolean nanos;
    /** Offset just past each packet record or block: where a cut leaves every packet before it whole. */
    final List<Long> packetEnds = new ArrayList<>();

    private CaptureBuilder(ByteOrder order) {
        this.order = order;
    }

    static CaptureBuilder pcap(ByteOrder order, boolean nanos, int snapLength, int linkType) {
        CaptureBuilder b = new CaptureBuilder(order);
        b.nanos = nanos;
        ByteBuffer h = b.buffer(24);
        h.putInt(nanos ? PcapFileDescriptor.MAGIC_NANOS : PcapFileDescriptor.MAGIC_MICROS);
        h.putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snapLength).putInt(linkType);
        b.append(h);
        return b;
    }

    /** A classic record; {@code capturedLength} may differ from data.length to build damage. */
    CaptureBuilder record(long timestampNanos, byte[] data, int originalLength) {
        ByteBuffer r = buffer(16 + data.length);
        r.putInt((int) (timestampNanos / 1_000_000_000L));
        long frac = timestampNanos % 1_000_000_000L;
        r.putInt((int) (nanos ? frac : frac / 1000));
        r.putInt(data.length).putInt(originalLength).put(data);
        append(r);
        packetEnds.add((long) out.size());
        return this;
    }

    static CaptureBuilder pcapng() {
        return new CaptureBuilder(ByteOrder.LITTLE_ENDIAN);
    }

    /** A Section Header Block in {@code byteOrder}, with an shb_userappl option. */
    CaptureBuilder section(ByteOrder byteOrder) {
        order = byteOrder;
        byte[] options = options(4, "sluice test".getBytes(StandardCharsets.UTF_8));
        ByteBuffer body = buffer(16 + options.length);
        body.putInt(PcapngDescriptor.BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1).put(options);
        return block(PcapngDescriptor.SECTION_HEADER_BLOCK, body.array(), false);
    }

    /** An Interface Description Block; {@code tsresol} -1 for none (microseconds). */
    CaptureBuilder iface(int linkType, int snapLength, int tsresol, long offsetSeconds) {
        ByteArrayOutputStream opts = new ByteArrayOutputStream();
        opts.writeBytes(option(2, "eth-test".getBytes(StandardCharsets.UTF_8)));
        if (tsresol >= 0) {
            opts.writeBytes(option(PcapngDescriptor.IF_TSRESOL, new byte[] {(byte) tsresol}));
        }
        if (offsetSeconds != 0) {
            opts.writeBytes(option(PcapngDescriptor.IF_TSOFFSET, buffer(8).putLong(offsetSeconds).array()));
        }
        opts.writeBytes(endOfOptions());
        byte[] o = opts.toByteArray();
        ByteBuffer body = buffer(8 + o.length);
        body.putShort((short) linkType).putShort((short) 0).putInt(snapLength).put(o);
        return block(PcapngDescriptor.INTERFACE_DESCRIPTION_BLOCK, body.array(), false);
    }

    /** An Enhanced Packet Block with an opt_comment after the data. */
    CaptureBuilder epb(int interfaceId, long units, byte[] data, int originalLength) {
        byte[] o = options(1, "packet".getBytes(StandardCharsets.UTF_8));
        int padded = (data.length + 3) & ~3;
        ByteBuffer body = buffer(20 + padded + o.length);
        body.putInt(interfaceId).putInt((int) (units >>> 32)).putInt((int) units).putInt(data.length).putInt(originalLength)
                .put(data).position(20 + padded);
        body.put(o);
        return block(PcapngDescriptor.ENHANCED_PACKET_BLOCK, body.array(), true);
    }

    /** An Obsolete Packet Block (16-bit interface id and drop count). */
    CaptureBuilder opb(int interfaceId, long units, byte[] data, int originalLength) {
        int padded = (data.length + 3) & ~3;
        ByteBuffer body = buffer(20 + padded);
        body.putShort((short) interfaceId).putShort((short) 0).putInt((int) (units >>> 32)).putInt((int) units)
                .putInt(data.length).putInt(originalLength).put(data);
        return block(PcapngDescriptor.OBSOLETE_PACKET_BLOCK, body.array(), true);
    }

    /** A Simple Packet Block: data as captured, original length as given. */
    CaptureBuilder spb(byte[] data, int originalLength) {
        int padded = (data.length + 3) & ~3;
        ByteBuffer body = buffer(4 + padded);
        body.putInt(originalLength).put(data);
        return block(PcapngDescriptor.SIMPLE_PACKET_BLOCK, body.array(), true);
    }

    /** A block of any type with a raw body (padded to 4). */
    CaptureBuilder block(int type, byte[] body, boolean packet) {
        int padded = (body.length + 3) & ~3;
        int length = 12 + padded;
        ByteBuffer b = buffer(length);
        b.putInt(type).putInt(length).put(body).position(8 + padded);
        b.putInt(length);
        append(b);
        if (packet) {
            packetEnds.add((long) out.size());
        }
        return this;
    }

    private byte[] options(int code, byte[] value) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(option(code, value));
        o.writeBytes(endOfOptions());
        return o.toByteArray();
    }

    private byte[] option(int code, byte[] value) {
        int padded = (value.length + 3) & ~3;
        ByteBuffer b = buffer(4 + padded);
        b.putShort((short) code).putShort((short) value.length).put(value);
        return b.array();
    }

    private byte[] endOfOptions() {
        return new byte[4];
    }

    private ByteBuffer buffer(int n) {
        return ByteBuffer.allocate(n).order(order);
    }

    private void append(ByteBuffer b) {
        out.writeBytes(b.array());
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }
}
