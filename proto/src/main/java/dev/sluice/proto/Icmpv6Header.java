package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u64;

/**
 * Flyweight over an ICMPv6 header (RFC 4443) in place. The checksum covers the IPv6
 * pseudo-header, so rewriting an IPv6 address must patch it ({@link Ipv6Header}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type (0)    |   Code (1)    |         Checksum (2)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Message body (4): echo = Identifier (4), Sequence (6);       |
 * |  Packet Too Big = MTU; NS/NA = flags + reserved, then target  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Neighbor Solicitation/Advertisement: Target Address (8..23)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>{@link #wrap} checks for 8 bytes: every message type defined (RFC 4443, 4861, 2710, 3810)
 * has at least the 4-byte header and a 4-byte body, so a shorter one is truncated. The accessors
 * assume wrap returned true; {@link #hasTargetAddress()} guards the Neighbor Discovery target.
 * No allocation.
 */
public final class Icmpv6Header extends IcmpCommonHeader {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int BODY_OFFSET = 4;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int TARGET_ADDRESS_OFFSET = 8;
    public static final int LENGTH = 8;
    /** Neighbor Solicitation / Advertisement without options. */
    public static final int NEIGHBOR_MESSAGE_LENGTH = 24;

    public static final int DESTINATION_UNREACHABLE = 1;
    public static final int PACKET_TOO_BIG = 2;
    public static final int TIME_EXCEEDED = 3;
    public static final int PARAMETER_PROBLEM = 4;
    public static final int ECHO_REQUEST = 128;
    public static final int ECHO_REPLY = 129;
    public static final int MLD_QUERY = 130;
    public static final int MLD_REPORT = 131;
    public static final int MLD_DONE = 132;
    public static final int ROUTER_SOLICITATION = 133;
    public static final int ROUTER_ADVERTISEMENT = 134;
    public static final int NEIGHBOR_SOLICITATION = 135;
    public static final int NEIGHBOR_ADVERTISEMENT = 136;
    public static final int REDIRECT = 137;
    public static final int MLDV2_REPORT = 143;

    private int length;

    /** Views the message; false when fewer than 8 bytes are available. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        this.length = length;
        return true;
    }

    public int body() {
        return u32(segment, offset + BODY_OFFSET);
    }

    /** True for a Neighbor Solicitation or Advertisement long enough to carry its target address. */
    public boolean hasTargetAddress() {
        int t = type();
        return (t == NEIGHBOR_SOLICITATION || t == NEIGHBOR_ADVERTISEMENT) && length >= NEIGHBOR_MESSAGE_LENGTH;
    }

    /** Neighbor Discovery target, bytes 0..7; only after {@link #hasTargetAddress()}. */
    public long targetAddressHigh() {
        return u64(segment, offset + TARGET_ADDRESS_OFFSET);
    }

    public long targetAddressLow() {
        return u64(segment, offset + TARGET_ADDRESS_OFFSET + 8);
    }

    public static boolean isError(int type) {
        return type < 128;
    }
}
