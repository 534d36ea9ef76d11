package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put32;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * Flyweight over a TCP header (RFC 9293) with its options, in place.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Source Port (0)        |     Destination Port (2)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Sequence Number (4)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Acknowledgment Number (8)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Data  |       |C|E|U|A|P|R|S|F|                               |
 * |Offset | Rsrvd |W|C|R|C|S|S|Y|I|          Window (14)          |
 * | (12)  |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Checksum (16)         |      Urgent Pointer (18)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Options (20 .. Data Offset*4-1)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Flags (13) is one byte: FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80.
 * </pre>
 *
 * <p>{@link #wrap} checks once that the header with its options is within the available bytes
 * (Data Offset &ge; 5); the accessors assume it returned true. The checksum covers the
 * pseudo-header of the IP header before, see {@link Checksums}. No allocation.
 */
public final class TcpHeader extends TransportHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int OPTIONS_OFFSET = 20;
    public static final int MIN_LENGTH = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public TcpHeader() {
        super(CHECKSUM_OFFSET, false);
    }

    /** Views the header; false when fewer than 20 bytes, Data Offset below 5, or options past {@code length}. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < MIN_LENGTH) {
            return false;
        }
        int doff = u8(segment, offset + DATA_OFFSET_OFFSET) >>> 4;
        if (doff < 5 || doff * 4 > length) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    public int sequenceNumber() {
        return u32(segment, offset + SEQUENCE_OFFSET);
    }

    public void setSequenceNumber(int seq) {
        put32(segment, offset + SEQUENCE_OFFSET, seq);
    }

    /** Sets the sequence number and patches the checksum (SYN-proxy style rewrites). */
    public void setSequenceNumberAndUpdateChecksum(int seq) {
        int old = sequenceNumber();
        setSequenceNumber(seq);
        Checksums.updateField32(segment, offset + CHECKSUM_OFFSET, false, old, seq);
    }

    public int acknowledgmentNumber() {
        return u32(segment, offset + ACKNOWLEDGMENT_OFFSET);
    }

    public void setAcknowledgmentNumber(int ack) {
        put32(segment, offset + ACKNOWLEDGMENT_OFFSET, ack);
    }

    /** Data Offset: header length in 32-bit words (5..15). */
    public int dataOffset() {
        return u8(segment, offset + DATA_OFFSET_OFFSET) >>> 4;
    }

    public int headerLength() {
        return dataOffset() * 4;
    }

    /** The flag byte (see the flag constants). */
    public int flags() {
        return u8(segment, offset + FLAGS_OFFSET);
    }

    public boolean hasFlags(int mask) {
        return (flags() & mask) == mask;
    }

    public int window() {
        return u16(segment, offset + WINDOW_OFFSET);
    }

    public void setWindow(int window) {
        put16(segment, offset + WINDOW_OFFSET, window);
    }

    public int checksum() {
        return u16(segment, offset + CHECKSUM_OFFSET);
    }

    public void setChecksum(int checksum) {
        put16(segment, offset + CHECKSUM_OFFSET, checksum);
    }

    public int urgentPointer() {
        return u16(segment, offset + URGENT_POINTER_OFFSET);
    }

    /** Absolute offset of the checksum field (for the IP address setters). */
    public long checksumAt() {
        return offset + CHECKSUM_OFFSET;
    }
}
