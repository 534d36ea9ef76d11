package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.u16;

/**
 * Flyweight over a UDP header (RFC 768) in place.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Source Port (0)        |     Destination Port (2)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Length (4)           |         Checksum (6)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Length counts header and data. Checksum 0: none (IPv4 only; invalid over IPv6).
 * </pre>
 *
 * <p>{@link #wrap} checks the length once; the accessors assume it returned true. The
 * {@code AndUpdateChecksum} setters leave a zero checksum at zero. No allocation.
 */
public final class UdpHeader extends TransportHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int LENGTH = 8;

    public UdpHeader() {
        super(CHECKSUM_OFFSET, true);
    }

    /** Views the header; false when fewer than 8 bytes are available. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    /** The Length field: header plus data. */
    public int length() {
        return u16(segment, offset + LENGTH_OFFSET);
    }

    public void setLength(int length) {
        put16(segment, offset + LENGTH_OFFSET, length);
    }

    public int checksum() {
        return u16(segment, offset + CHECKSUM_OFFSET);
    }

    public void setChecksum(int checksum) {
        put16(segment, offset + CHECKSUM_OFFSET, checksum);
    }

    public long checksumAt() {
        return offset + CHECKSUM_OFFSET;
    }
}
