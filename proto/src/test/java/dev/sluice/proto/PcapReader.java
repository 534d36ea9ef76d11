package dev.sluice.proto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny test-only reader of classic pcap files (not pcapng): enough to feed captured frames to
 * the parser. The real pcap driver lands separately in {@code drivers/}.
 *
 * <pre>
 * Global header (24 bytes)                      Record header (16 bytes), then incl_len bytes
 *  0 magic 0xA1B2C3D4 (µs) / 0xA1B23C4D (ns)      0 ts_sec
 *  4 version major (2), minor (4)                 4 ts_usec (or ts_nsec)
 *  8 thiszone, 12 sigfigs                         8 incl_len (bytes stored)
 * 16 snaplen                                     12 orig_len (bytes on the wire)
 * 20 linktype (1 = Ethernet)
 * </pre>
 * The magic, read in the file's byte order, tells that order.
 */
final class PcapReader {
    static final int GLOBAL_HEADER = 24;
    static final int RECORD_HEADER = 16;
    static final int LINKTYPE_ETHERNET = 1;

    record Frame(int number, byte[] data, int originalLength) {
    }

    private PcapReader() {
    }

    static List<Frame> read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    static List<Frame> read(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < GLOBAL_HEADER) {
            throw new IllegalArgumentException("not a pcap file: " + bytes.length + " bytes");
        }
        int magic = b.getInt(0);
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
            if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
                throw new IllegalArgumentException("not a classic pcap file (magic " + Integer.toHexString(b.getInt(0)) + ")");
            }
        }
        int linktype = b.getInt(20);
        if (linktype != LINKTYPE_ETHERNET) {
            throw new IllegalArgumentException("link type " + linktype + ", expected Ethernet (1)");
        }
        List<Frame> frames = new ArrayList<>();
        int pos = GLOBAL_HEADER;
        while (pos + RECORD_HEADER <= bytes.length) {
            int incl = b.getInt(pos + 8);
            int orig = b.getInt(pos + 12);
            pos += RECORD_HEADER;
            if (incl < 0 || pos + incl > bytes.length) {
                throw new IllegalArgumentException("record " + (frames.size() + 1) + " runs past the end of the file");
            }
            byte[] data = new byte[incl];
            System.arraycopy(bytes, pos, data, 0, incl);
            frames.add(new Frame(frames.size() + 1, data, orig));
            pos += incl;
        }
        return frames;
    }
}
