package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.u32;

/**
 * Flyweight over an ICMPv4 header (RFC 792) in place. Every ICMPv4 message starts with these
 * 8 bytes; the checksum covers the whole message and no pseudo-header.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type (0)    |   Code (1)    |         Checksum (2)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Rest of header (4): echo = Identifier (4), Sequence (6);     |
 * |  unreachable = unused / next-hop MTU; redirect = gateway      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Errors (3, 5, 11, 12) then carry the offending IP header and 8 bytes of its payload.
 * </pre>
 *
 * <p>{@link #wrap} checks the length once; the accessors assume it returned true. No allocation.
 */
public final class IcmpHeader extends IcmpCommonHeader {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int LENGTH = 8;

    public static final int ECHO_REPLY = 0;
    public static final int DESTINATION_UNREACHABLE = 3;
    public static final int REDIRECT = 5;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETER_PROBLEM = 12;

    /** Views the header; false when fewer than 8 bytes are available. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    public int restOfHeader() {
        return u32(segment, offset + REST_OFFSET);
    }

    public static boolean isError(int type) {
        return type == DESTINATION_UNREACHABLE || type == REDIRECT || type == TIME_EXCEEDED || type == PARAMETER_PROBLEM;
    }
}
