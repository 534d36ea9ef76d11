package dev.sluice.sys;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Reading the attributes (rtattr: length u16, type u16, payload padded to 4 bytes; layout in
 * {@link NetlinkSocket}) that follow a message's fixed header.
 */
public final class NetlinkAttributes {
    /** Drops NLA_F_NESTED and NLA_F_NET_BYTEORDER from a type. */
    public static final int TYPE_MASK = 0x3fff;

    /** Receives one attribute: its type and where its payload lies in the message. */
    @FunctionalInterface
    public interface Visitor {
        void attribute(int type, long payloadOffset, int payloadLength);
    }

    private NetlinkAttributes() {
    }

    /** Visits every well-formed attribute of {@code message} from {@code offset} on; stops at a malformed one. */
    public static void forEach(MemorySegment message, long offset, Visitor visitor) {
        long a = offset;
        long end = message.byteSize();
        while (a + 4 <= end) {
            int length = Short.toUnsignedInt(message.get(JAVA_SHORT, a));
            if (length < 4 || a + length > end) {
                return;
            }
            visitor.attribute(message.get(JAVA_SHORT, a + 2) & TYPE_MASK, a + 4, length - 4);
            a += NetlinkSocket.align4(length);
        }
    }

    /** An IPv4 (4 bytes) or IPv6 (16 bytes) address payload; null for any other length. */
    public static InetAddress address(MemorySegment message, long offset, int length) {
        if (length != 4 && length != 16) {
            return null;
        }
        try {
            return InetAddress.getByAddress(message.asSlice(offset, length).toArray(JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // unreachable: the length is 4 or 16
        }
    }

    /** A 6-byte link-layer address as a long (first wire byte in bits 47..40), or -1 for any other length. */
    public static long mac(MemorySegment message, long offset, int length) {
        if (length != 6) {
            return -1L;
        }
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | Byte.toUnsignedLong(message.get(JAVA_BYTE, offset + i));
        }
        return mac;
    }
}
