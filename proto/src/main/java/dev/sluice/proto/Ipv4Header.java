package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put32;
import static dev.sluice.proto.NetworkOrder.put8;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * Flyweight over an IPv4 header (RFC 791) with its options, in place. Addresses are ints in
 * network order ({@code 10.0.0.1 == 0x0A000001}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|       Total Length (2)        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Identification (4)       |R|D|M|   Fragment Offset (6)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    TTL (8)    | Protocol (9)  |     Header Checksum (10)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Source Address (12)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address (16)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Options (20 .. IHL*4-1), when IHL > 5              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  IHL: header length in 32-bit words (5..15). D: don't fragment, M: more fragments,
 *  Fragment Offset in 8-byte units.
 * </pre>
 *
 * <p>{@link #wrap} checks once that the whole header including options is within the available
 * bytes (and IHL &ge; 5); the accessors assume it returned true. The version nibble is not
 * checked here (the {@link PacketParser} does). The {@code ...AndUpdateChecksum} setters patch
 * the header checksum incrementally (RFC 1624); the {@code ...AndUpdateChecksums} address setters
 * also patch the TCP/UDP checksum, whose pseudo-header covers the addresses. No allocation.
 */
public final class Ipv4Header extends HeaderView {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int OPTIONS_OFFSET = 20;
    /** Length without options. */
    public static final int MIN_LENGTH = 20;
    /** Length with the most options (IHL 15). */
    public static final int MAX_LENGTH = 60;

    public static final int FLAG_RESERVED = 0x8000;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    /**
     * Views the header at {@code offset} with {@code length} bytes available; false when fewer than
     * 20 bytes, IHL below 5, or the options run past {@code length}.
     */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        if (length < MIN_LENGTH) {
            return false;
        }
        int ihl = u8(segment, offset) & 0x0F;
        if (ihl < 5 || ihl * 4 > length) {
            return false;
        }
        view(segment, offset);
        return true;
    }

    public int version() {
        return u8(segment, offset + VERSION_IHL_OFFSET) >>> 4;
    }

    public int ihl() {
        return u8(segment, offset + VERSION_IHL_OFFSET) & 0x0F;
    }

    /** Header length in bytes, options included. */
    public int headerLength() {
        return ihl() * 4;
    }

    public int optionsLength() {
        return headerLength() - MIN_LENGTH;
    }

    public int tos() {
        return u8(segment, offset + TOS_OFFSET);
    }

    public int dscp() {
        return tos() >>> 2;
    }

    public int ecn() {
        return tos() & 3;
    }

    public int totalLength() {
        return u16(segment, offset + TOTAL_LENGTH_OFFSET);
    }

    public void setTotalLength(int totalLength) {
        put16(segment, offset + TOTAL_LENGTH_OFFSET, totalLength);
    }

    public int identification() {
        return u16(segment, offset + IDENTIFICATION_OFFSET);
    }

    public void setIdentification(int id) {
        put16(segment, offset + IDENTIFICATION_OFFSET, id);
    }

    /** The flags and fragment offset word (see the FLAG_ constants). */
    public int flagsAndFragmentOffset() {
        return u16(segment, offset + FLAGS_FRAGMENT_OFFSET);
    }

    public void setFlagsAndFragmentOffset(int word) {
        put16(segment, offset + FLAGS_FRAGMENT_OFFSET, word);
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (flagsAndFragmentOffset() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Offset of this fragment's data in the original datagram, in bytes. */
    public int fragmentOffset() {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) * 8;
    }

    /** True for any fragment (first, middle or last); false for a whole datagram. */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return u8(segment, offset + TTL_OFFSET);
    }

    public void setTtl(int ttl) {
        put8(segment, offset + TTL_OFFSET, ttl);
    }

    /** Sets the TTL and patches the header checksum (TTL shares a 16-bit word with Protocol). */
    public void setTtlAndUpdateChecksum(int ttl) {
        int oldWord = u16(segment, offset + TTL_OFFSET);
        int newWord = ((ttl & 0xFF) << 8) | (oldWord & 0xFF);
        put16(segment, offset + TTL_OFFSET, newWord);
        Checksums.updateField16(segment, offset + CHECKSUM_OFFSET, false, oldWord, newWord);
    }

    /**
     * Decrements the TTL and patches the checksum, as a router does, and returns the new TTL. A TTL
     * that already is 0 is left alone and 0 is returned: such a packet must not be forwarded.
     */
    public int decrementTtlAndUpdateChecksum() {
        int ttl = ttl();
        if (ttl == 0) {
            return 0;
        }
        setTtlAndUpdateChecksum(ttl - 1);
        return ttl - 1;
    }

    public int protocol() {
        return u8(segment, offset + PROTOCOL_OFFSET);
    }

    public void setProtocol(int protocol) {
        put8(segment, offset + PROTOCOL_OFFSET, protocol);
    }

    public int headerChecksum() {
        return u16(segment, offset + CHECKSUM_OFFSET);
    }

    public void setHeaderChecksum(int checksum) {
        put16(segment, offset + CHECKSUM_OFFSET, checksum);
    }

    /** Recomputes the header checksum over the whole header, options included. */
    public void updateHeaderChecksum() {
        Checksums.setIpv4Header(segment, offset);
    }

    public boolean headerChecksumValid() {
        return Checksums.ipv4HeaderValid(segment, offset);
    }

    public int sourceAddress() {
        return u32(segment, offset + SOURCE_OFFSET);
    }

    /** Sets the source address only: no checksum is touched. */
    public void setSourceAddress(int address) {
        put32(segment, offset + SOURCE_OFFSET, address);
    }

    /** Sets the source address and patches the header checksum. */
    public void setSourceAddressAndUpdateChecksum(int address) {
        int old = sourceAddress();
        put32(segment, offset + SOURCE_OFFSET, address);
        Checksums.updateField32(segment, offset + CHECKSUM_OFFSET, false, old, address);
    }

    /**
     * Sets the source address and patches the header checksum and the L4 checksum at the absolute
     * offset {@code l4ChecksumAt} (from {@link PacketParser#pseudoHeaderChecksumAt()}; -1: none).
     * For UDP ({@code l4Protocol} 17) a zero checksum means "none" and stays zero.
     */
    public void setSourceAddressAndUpdateChecksums(int address, long l4ChecksumAt, int l4Protocol) {
        int old = sourceAddress();
        setSourceAddressAndUpdateChecksum(address);
        if (l4ChecksumAt >= 0) {
            Checksums.updateField32(segment, l4ChecksumAt, l4Protocol == IpProtocol.UDP, old, address);
        }
    }

    public int destinationAddress() {
        return u32(segment, offset + DESTINATION_OFFSET);
    }

    /** Sets the destination address only: no checksum is touched. */
    public void setDestinationAddress(int address) {
        put32(segment, offset + DESTINATION_OFFSET, address);
    }

    /** Sets the destination address and patches the header checksum. */
    public void setDestinationAddressAndUpdateChecksum(int address) {
        int old = destinationAddress();
        put32(segment, offset + DESTINATION_OFFSET, address);
        Checksums.updateField32(segment, offset + CHECKSUM_OFFSET, false, old, address);
    }

    /** As {@link #setSourceAddressAndUpdateChecksums} for the destination (the load balancer's DNAT). */
    public void setDestinationAddressAndUpdateChecksums(int address, long l4ChecksumAt, int l4Protocol) {
        int old = destinationAddress();
        setDestinationAddressAndUpdateChecksum(address);
        if (l4ChecksumAt >= 0) {
            Checksums.updateField32(segment, l4ChecksumAt, l4Protocol == IpProtocol.UDP, old, address);
        }
    }

    /** Absolute offset of the first option byte (options run for {@link #optionsLength()} bytes). */
    public long optionsOffset() {
        return offset + OPTIONS_OFFSET;
    }

    /** Formats an address as dotted quad (tests and tools; allocates). */
    public static String toString(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }
}
