package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * Flyweight over one IPv6 extension header, and the one place their length rules live.
 *
 * <pre>
 * Generic (Hop-by-Hop 0, Routing 43, Destination Options 60, Mobility 135, HIP 139, Shim6 140):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Next Header (0)|Hdr Ext Len (1)|   type-specific data ...      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  length = (Hdr Ext Len + 1) * 8 bytes
 *
 * Fragment (44), always 8 bytes:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Next Header (0)| Reserved (1)  |  Fragment Offset (2)   |Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Identification (4)                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Fragment Offset: 13 bits, 8-byte units. M: more fragments.
 *
 * Authentication Header (51, RFC 4302):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Next Header (0)|Payload Len (1)|          Reserved             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  length = (Payload Len + 2) * 4 bytes
 * </pre>
 *
 * <p>{@link #wrap} checks that the whole header, by its own length rule, is within the available
 * bytes; the accessors assume it returned true. No allocation.
 */
public final class Ipv6ExtensionHeader extends HeaderView {
    public static final int NEXT_HEADER_OFFSET = 0;
    public static final int LENGTH_OFFSET = 1;
    public static final int FRAGMENT_OFFSET_FIELD_OFFSET = 2;
    public static final int FRAGMENT_IDENTIFICATION_OFFSET = 4;
    /** Every extension header is at least this long (the fragment header is exactly this long). */
    public static final int MIN_LENGTH = 8;
    public static final int FRAGMENT_LENGTH = 8;
    /** Fragment header: the Fragment Offset bits of the 16-bit word at {@link #FRAGMENT_OFFSET_FIELD_OFFSET}, already in bytes. */
    public static final int FRAGMENT_OFFSET_MASK = 0xFFF8;
    /** Fragment header: the M (more fragments) bit of that word. */
    public static final int FRAGMENT_MORE = 1;

    private int type;
    private int length;

    /**
     * Views the extension header of type {@code type} (the Next Header value that announced it) at
     * {@code offset}; false when fewer than 8 bytes or fewer than its own length are available.
     */
    public boolean wrap(int type, MemorySegment segment, long offset, int available) {
        if (available < MIN_LENGTH) {
            return false;
        }
        int len = length(type, u8(segment, offset + LENGTH_OFFSET));
        if (len > available) {
            return false;
        }
        view(segment, offset);
        this.type = type;
        this.length = len;
        return true;
    }

    /** The byte length of an extension header of {@code type} whose length byte is {@code lengthField}. */
    public static int length(int type, int lengthField) {
        return switch (type) {
            case IpProtocol.FRAGMENT -> FRAGMENT_LENGTH;
            case IpProtocol.AH -> (lengthField + 2) * 4;
            default -> (lengthField + 1) * 8;
        };
    }

    public int type() {
        return type;
    }

    public int length() {
        return length;
    }

    public int nextHeader() {
        return u8(segment, offset + NEXT_HEADER_OFFSET);
    }

    /** Fragment header only: offset of this fragment's data in bytes. */
    public int fragmentOffset() {
        return u16(segment, offset + FRAGMENT_OFFSET_FIELD_OFFSET) & FRAGMENT_OFFSET_MASK;
    }

    /** Fragment header only. */
    public boolean moreFragments() {
        return (u16(segment, offset + FRAGMENT_OFFSET_FIELD_OFFSET) & FRAGMENT_MORE) != 0;
    }

    /** Fragment header only. */
    public int fragmentIdentification() {
        return u32(segment, offset + FRAGMENT_IDENTIFICATION_OFFSET);
    }
}
