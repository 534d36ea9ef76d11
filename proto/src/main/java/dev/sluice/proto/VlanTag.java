package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.u16;

/**
 * Flyweight over the four bytes that follow a VLAN TPID (IEEE 802.1Q): the tag control
 * information and the EtherType of what the tag encloses. The TPID itself is the EtherType field
 * of the header before (Ethernet or an outer tag), so a QinQ frame reads
 * {@code dst src 0x88A8 [TCI 0x8100] [TCI 0x0800] IPv4...}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  (previous header)              |          TPID (before)        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | PCP |D|        VLAN ID        |   Inner EtherType / TPID (2)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  TCI (0): PCP = priority (3 bits), D = drop eligible (1), VID (12)
 * </pre>
 *
 * <p>{@link #wrap} checks the length once; the accessors assume it returned true. No allocation.
 */
public final class VlanTag extends HeaderView {
    public static final int TCI_OFFSET = 0;
    public static final int INNER_ETHERTYPE_OFFSET = 2;
    public static final int LENGTH = 4;

    /** IEEE 802.1Q customer tag. */
    public static final int TPID_8021Q = 0x8100;
    /** IEEE 802.1ad service tag (the outer tag of QinQ). */
    public static final int TPID_8021AD = 0x88A8;

    /** Views the tag at {@code offset} (just after its TPID); false when fewer than 4 bytes. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    /** The TPIDs of the one VLAN policy ({@link HeaderWalk#isVlanTpid}): 802.1Q and 802.1ad. */
    public static boolean isTpid(int etherType) {
        return HeaderWalk.isVlanTpid(etherType);
    }

    public int tci() {
        return u16(segment, offset + TCI_OFFSET);
    }

    public void setTci(int tci) {
        put16(segment, offset + TCI_OFFSET, tci);
    }

    public int priority() {
        return tci() >>> 13;
    }

    public boolean dropEligible() {
        return (tci() & 0x1000) != 0;
    }

    public int vlanId() {
        return tci() & 0x0FFF;
    }

    /** Replaces the VLAN ID, keeping priority and DEI. */
    public void setVlanId(int vlanId) {
        setTci((tci() & 0xF000) | (vlanId & 0x0FFF));
    }

    public int innerEtherType() {
        return u16(segment, offset + INNER_ETHERTYPE_OFFSET);
    }

    public void setInnerEtherType(int etherType) {
        put16(segment, offset + INNER_ETHERTYPE_OFFSET, etherType);
    }

    /** The VLAN ID of a TCI value (as kept by {@link PacketParser}). */
    public static int vlanId(int tci) {
        return tci & 0x0FFF;
    }
}
