package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Builds one request: nlmsghdr, the family's fixed header (zeroed, filled through {@link #fixed}),
 * then attributes, each padded to 4 bytes. Layout in {@link NetlinkSocket}; the sequence number and
 * length are set when the request is sent.
 */
public final class NetlinkRequest {
    private static final int CAPACITY = 512;

    private final MemorySegment buffer;
    private final int fixedLength;
    private long length;

    /** A request of {@code type} with {@code flags} (NLM_F_REQUEST is added) and a fixed header of {@code fixedLength} bytes. */
    public NetlinkRequest(Arena arena, int type, int flags, int fixedLength) {
        this.buffer = arena.allocate(CAPACITY, 4);
        this.fixedLength = fixedLength;
        this.length = NetlinkSocket.NLMSG_HDR + NetlinkSocket.align4(fixedLength);
        buffer.set(JAVA_SHORT, 4, (short) type);
        buffer.set(JAVA_SHORT, 6, (short) (flags | NetlinkSocket.NLM_F_REQUEST));
    }

    /** The fixed header (after nlmsghdr), to fill in. */
    public MemorySegment fixed() {
        return buffer.asSlice(NetlinkSocket.NLMSG_HDR, fixedLength);
    }

    public NetlinkRequest attribute(int type, byte[] payload) {
        long at = reserve(type, payload.length);
        MemorySegment.copy(payload, 0, buffer, JAVA_BYTE, at, payload.length);
        return this;
    }

    public NetlinkRequest attributeInt(int type, int value) {
        buffer.set(JAVA_INT, reserve(type, 4), value);
        return this;
    }

    private long reserve(int type, int payloadLength) {
        long at = length;
        long next = at + NetlinkSocket.align4(4 + payloadLength);
        if (next > CAPACITY) {
            throw new IllegalStateException("netlink request longer than " + CAPACITY + " bytes");
        }
        buffer.set(JAVA_SHORT, at, (short) (4 + payloadLength));
        buffer.set(JAVA_SHORT, at + 2, (short) type);
        length = next;
        return at + 4;
    }

    /** The request as sent: header, fixed part and attributes. */
    public MemorySegment segment() {
        MemorySegment request = buffer.asSlice(0, length);
        request.set(JAVA_INT, 0, (int) length);
        return request;
    }
}
