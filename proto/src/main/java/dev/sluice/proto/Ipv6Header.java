package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put32;
import static dev.sluice.proto.NetworkOrder.put64;
import static dev.sluice.proto.NetworkOrder.put8;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u64;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * Flyweight over the fixed IPv6 header (RFC 8200) in place. A 128-bit address is two longs:
 * {@code high} holds bytes 0..7 and {@code low} bytes 8..15, each in network order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |             Flow Label                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Payload Length (4)       | Next Header(6)| Hop Limit (7) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                   Source Address (8..23)                      +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                 Destination Address (24..39)                  +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Payload Length counts everything after these 40 bytes, extension headers included.
 * </pre>
 *
 * <p>IPv6 has no header checksum; the address setters with {@code AndUpdateChecksum} patch the
 * L4 checksum (TCP, UDP, ICMPv6), whose pseudo-header covers the addresses. {@link #wrap} checks
 * the length once; the accessors assume it returned true. No allocation.
 */
public final class Ipv6Header extends HeaderView {
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int LENGTH = 40;

    /** Views the header at {@code offset}; false when fewer than 40 bytes are available. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    public int version() {
        return u8(segment, offset) >>> 4;
    }

    public int trafficClass() {
        return (u32(segment, offset) >>> 20) & 0xFF;
    }

    public int flowLabel() {
        return u32(segment, offset) & 0xF_FFFF;
    }

    /** Writes version 6, the traffic class and the flow label. */
    public void setVersionClassFlow(int trafficClass, int flowLabel) {
        put32(segment, offset, (6 << 28) | ((trafficClass & 0xFF) << 20) | (flowLabel & 0xF_FFFF));
    }

    public int payloadLength() {
        return u16(segment, offset + PAYLOAD_LENGTH_OFFSET);
    }

    public void setPayloadLength(int length) {
        put16(segment, offset + PAYLOAD_LENGTH_OFFSET, length);
    }

    public int nextHeader() {
        return u8(segment, offset + NEXT_HEADER_OFFSET);
    }

    public void setNextHeader(int nextHeader) {
        put8(segment, offset + NEXT_HEADER_OFFSET, nextHeader);
    }

    public int hopLimit() {
        return u8(segment, offset + HOP_LIMIT_OFFSET);
    }

    /** No checksum covers the hop limit. */
    public void setHopLimit(int hopLimit) {
        put8(segment, offset + HOP_LIMIT_OFFSET, hopLimit);
    }

    public long sourceHigh() {
        return u64(segment, offset + SOURCE_OFFSET);
    }

    public long sourceLow() {
        return u64(segment, offset + SOURCE_OFFSET + 8);
    }

    public long destinationHigh() {
        return u64(segment, offset + DESTINATION_OFFSET);
    }

    public long destinationLow() {
        return u64(segment, offset + DESTINATION_OFFSET + 8);
    }

    /** Sets the source address only: no checksum is touched. */
    public void setSourceAddress(long high, long low) {
        put64(segment, offset + SOURCE_OFFSET, high);
        put64(segment, offset + SOURCE_OFFSET + 8, low);
    }

    public void setDestinationAddress(long high, long low) {
        put64(segment, offset + DESTINATION_OFFSET, high);
        put64(segment, offset + DESTINATION_OFFSET + 8, low);
    }

    /**
     * Sets the source address and patches the L4 checksum at the absolute offset
     * {@code l4ChecksumAt} (from {@link PacketParser#pseudoHeaderChecksumAt()}; -1: none). A UDP
     * checksum of 0 is invalid over IPv6 and is left as it is.
     */
    public void setSourceAddressAndUpdateChecksum(long high, long low, long l4ChecksumAt, int l4Protocol) {
        long oldHigh = sourceHigh();
        long oldLow = sourceLow();
        setSourceAddress(high, low);
        if (l4ChecksumAt >= 0) {
            Checksums.updateField128(segment, l4ChecksumAt, l4Protocol == IpProtocol.UDP, oldHigh, oldLow, high, low);
        }
    }

    /** As {@link #setSourceAddressAndUpdateChecksum} for the destination. */
    public void setDestinationAddressAndUpdateChecksum(long high, long low, long l4ChecksumAt, int l4Protocol) {
        long oldHigh = destinationHigh();
        long oldLow = destinationLow();
        setDestinationAddress(high, low);
        if (l4ChecksumAt >= 0) {
            Checksums.updateField128(segment, l4ChecksumAt, l4Protocol == IpProtocol.UDP, oldHigh, oldLow, high, low);
        }
    }
}
