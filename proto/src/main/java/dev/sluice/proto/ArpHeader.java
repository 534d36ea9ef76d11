package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put32;
import static dev.sluice.proto.NetworkOrder.put48;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u48;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * Flyweight over an ARP packet for Ethernet and IPv4 (RFC 826), the only combination on Ethernet
 * links that Sluice handles; {@link #isEthernetIpv4()} tells whether the packet is one.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Hardware type (0) = 1     |  Protocol type (2) = 0x0800   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | HW len (4)= 6 |Proto len(5)= 4|         Operation (6)         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sender hardware address (8..13)               |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | Sender protocol address(14..17)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                 Target hardware address (18..23)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Target protocol address (24..27)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>{@link #wrap} checks the length once; the accessors assume it returned true. No allocation.
 */
public final class ArpHeader extends HeaderView {
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_HARDWARE_OFFSET = 8;
    public static final int SENDER_PROTOCOL_OFFSET = 14;
    public static final int TARGET_HARDWARE_OFFSET = 18;
    public static final int TARGET_PROTOCOL_OFFSET = 24;
    /** Length of the fixed part that tells the address sizes. */
    public static final int FIXED_LENGTH = 8;
    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = 28;

    public static final int HARDWARE_ETHERNET = 1;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    /** Views an ARP packet; false when fewer than {@link #LENGTH} bytes are available. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    /** Hardware Ethernet (6-byte), protocol IPv4 (4-byte): the layout above applies. */
    public boolean isEthernetIpv4() {
        return hardwareType() == HARDWARE_ETHERNET && protocolType() == EthernetHeader.ETHERTYPE_IPV4
                && u8(segment, offset + HARDWARE_LENGTH_OFFSET) == 6 && u8(segment, offset + PROTOCOL_LENGTH_OFFSET) == 4;
    }

    public int hardwareType() {
        return u16(segment, offset + HARDWARE_TYPE_OFFSET);
    }

    public int protocolType() {
        return u16(segment, offset + PROTOCOL_TYPE_OFFSET);
    }

    public int operation() {
        return u16(segment, offset + OPERATION_OFFSET);
    }

    public void setOperation(int op) {
        put16(segment, offset + OPERATION_OFFSET, op);
    }

    public long senderHardwareAddress() {
        return u48(segment, offset + SENDER_HARDWARE_OFFSET);
    }

    public void setSenderHardwareAddress(long mac) {
        put48(segment, offset + SENDER_HARDWARE_OFFSET, mac);
    }

    public int senderProtocolAddress() {
        return u32(segment, offset + SENDER_PROTOCOL_OFFSET);
    }

    public void setSenderProtocolAddress(int address) {
        put32(segment, offset + SENDER_PROTOCOL_OFFSET, address);
    }

    public long targetHardwareAddress() {
        return u48(segment, offset + TARGET_HARDWARE_OFFSET);
    }

    public void setTargetHardwareAddress(long mac) {
        put48(segment, offset + TARGET_HARDWARE_OFFSET, mac);
    }

    public int targetProtocolAddress() {
        return u32(segment, offset + TARGET_PROTOCOL_OFFSET);
    }

    public void setTargetProtocolAddress(int address) {
        put32(segment, offset + TARGET_PROTOCOL_OFFSET, address);
    }
}
