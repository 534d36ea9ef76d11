package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put48;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u48;

/**
 * Flyweight over an Ethernet II header in place. MAC addresses are the 48 low bits of a long,
 * first byte on the wire in bits 47..40.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination MAC (0..5)                     |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       Source MAC (6..11)      +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      EtherType / TPID (12)    |  (payload or VLAN TCI)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>An EtherType of 0x8100 / 0x88A8 is the TPID of a {@link VlanTag} that follows ({@link HeaderWalk}
 * skips up to two);
 * values below 0x0600 are an IEEE 802.3 length (LLC frames), which Sluice does not parse.
 *
 * <p>{@link #wrap} checks the length once; the accessors assume it returned true. No allocation.
 */
public final class EthernetHeader extends HeaderView {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHERTYPE_OFFSET = 12;
    public static final int LENGTH = 14;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    /** Smallest value that is an EtherType rather than an 802.3 length. */
    public static final int ETHERTYPE_MIN = 0x0600;

    /** Views the header at {@code offset}; false when fewer than {@link #LENGTH} bytes are available. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    public long destination() {
        return u48(segment, offset + DESTINATION_OFFSET);
    }

    public void setDestination(long mac) {
        put48(segment, offset + DESTINATION_OFFSET, mac);
    }

    public long source() {
        return u48(segment, offset + SOURCE_OFFSET);
    }

    public void setSource(long mac) {
        put48(segment, offset + SOURCE_OFFSET, mac);
    }

    /** The EtherType of the payload, or a VLAN TPID. */
    public int etherType() {
        return u16(segment, offset + ETHERTYPE_OFFSET);
    }

    public void setEtherType(int etherType) {
        put16(segment, offset + ETHERTYPE_OFFSET, etherType);
    }

    /** Swaps source and destination (reflecting a frame back to its sender). */
    public void swapAddresses() {
        long d = destination();
        setDestination(source());
        setSource(d);
    }

    /** True for the group bit (multicast and broadcast). */
    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }
}
