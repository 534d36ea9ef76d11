package dev.sluice.proto;

import dev.sluice.umem.Packet;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u64;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * Parses one Ethernet frame in one pass into plain int fields of this reusable object, and
 * classifies it with a {@link ParseResult} code. One parser per worker; reuse it for every packet.
 * Which headers it skips, where L3 and L4 start and which checks come first is {@link HeaderWalk}'s
 * (shared with the flow hasher, the header swaps and the steering program); the parser adds ARP
 * and reads the fields at the offsets the walk found.
 *
 * <pre>
 * Ethernet [tag [tag]] ───┬─ ARP (Ethernet/IPv4)
 *                         ├─ IPv4 [options] ─┬─ TCP | UDP | ICMP | other protocol
 *                         │                  └─ (non-first fragment: no L4 header)
 *                         └─ IPv6 [HBH] [DST] [RH] [FRAG] [AH] [DST] ... ─┬─ TCP | UDP | ICMPv6
 *                                                                         ├─ ESP / other: stop
 *                                                                         ├─ No Next Header: stop
 *                                                                         └─ (non-first fragment)
 * </pre>
 *
 * <p><b>Bounds.</b> The parser reads only bytes in {@code [offset, offset + length)} and never
 * writes. Every read is preceded by a check against the bytes that enclose it (the frame for
 * L2/L3 headers, the IP payload for extension and L4 headers), so a truncated or malformed frame
 * is classified and never makes it read another frame's bytes. It never throws for any packet
 * content; bounds outside the segment give {@link ParseResult#MALFORMED_FRAME_BOUNDS}.
 *
 * <p><b>Fields.</b> Offsets are relative to the first byte of the frame (as {@link Packet}'s
 * accessors use them); -1 means the header is absent or was not reached. After a result other
 * than OK, fields are valid up to the layer that failed and reset beyond it. The frame may carry
 * bytes after the IP datagram (Ethernet padding of short frames): {@link #trailerLength()}.
 *
 * <p><b>Zero allocation.</b> parse, the accessors, the {@code wrap*} helpers and
 * {@link #verifyL4Checksum()} allocate nothing: no boxing, no Optional, no exceptions, static final
 * layouts (see {@code ZeroAllocationTest}).
 */
public final class PacketParser {
    /** Longest IPv6 extension header chain accepted: {@link HeaderWalk#MAX_IPV6_EXTENSION_HEADERS}. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = HeaderWalk.MAX_IPV6_EXTENSION_HEADERS;

    /** {@link #ipv6ExtensionMask()} bits, those of {@link HeaderWalk#extensionMask}. */
    public static final int EXT_HOP_BY_HOP = HeaderWalk.EXT_HOP_BY_HOP;
    public static final int EXT_ROUTING = HeaderWalk.EXT_ROUTING;
    public static final int EXT_FRAGMENT = HeaderWalk.EXT_FRAGMENT;
    public static final int EXT_DESTINATION_OPTIONS = HeaderWalk.EXT_DESTINATION_OPTIONS;
    public static final int EXT_AUTHENTICATION = HeaderWalk.EXT_AUTHENTICATION;
    public static final int EXT_OTHER = HeaderWalk.EXT_OTHER;

    /** {@link #verifyL4Checksum()} outcomes. */
    public static final int CHECKSUM_INVALID = 0;
    public static final int CHECKSUM_VALID = 1;
    /** UDP over IPv4 with checksum 0: the sender sent none. */
    public static final int CHECKSUM_ABSENT = 2;
    /** No L4 header, a fragment (the checksum covers the reassembled datagram), a Routing header, or an unknown protocol. */
    public static final int CHECKSUM_UNVERIFIABLE = 3;

    private MemorySegment segment;
    private long base;
    private int length;
    private int result;

    private int vlanCount;
    private int vlanTpid0;
    private int vlanTci0;
    private int vlanTpid1;
    private int vlanTci1;
    private int etherType;

    private int l3Offset;
    private int ipVersion;
    private int ipHeaderLength;
    private int l3Length;
    private int ipProtocol;
    private int ttl;
    private int ipv4Source;
    private int ipv4Destination;
    private long ipv6SourceHigh;
    private long ipv6SourceLow;
    private long ipv6DestinationHigh;
    private long ipv6DestinationLow;
    private int ipv6ExtensionCount;
    private int ipv6ExtensionMask;
    private boolean fragment;
    private boolean moreFragments;
    private int fragmentOffset;
    private int fragmentId;
    private int arpOperation;

    private int l4Protocol;
    private int l4Offset;
    private int l4Length;
    private int sourcePort;
    private int destinationPort;
    private int tcpFlags;
    private int icmpType;
    private int icmpCode;
    private int payloadOffset;
    private int payloadLength;
    private int trailerLength;

    /** Parses the frame of a {@link Packet} in place. */
    public int parse(Packet packet) {
        return parse(packet.segment(), packet.offset(), packet.length());
    }

    /**
     * Parses the {@code length} bytes at {@code offset} of {@code segment} and returns the
     * {@link ParseResult} code (also kept as {@link #result()}).
     */
    public int parse(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = length;
        reset();
        if (offset < 0 || length < 0 || offset > segment.byteSize() - length) {
            this.length = 0;
            return result = ParseResult.MALFORMED_FRAME_BOUNDS;
        }
        return result = parseEthernet();
    }

    private void reset() {
        vlanCount = 0;
        vlanTpid0 = vlanTci0 = vlanTpid1 = vlanTci1 = 0;
        etherType = -1;
        l3Offset = -1;
        ipVersion = 0;
        ipHeaderLength = 0;
        l3Length = 0;
        ipProtocol = -1;
        ttl = 0;
        ipv4Source = ipv4Destination = 0;
        ipv6SourceHigh = ipv6SourceLow = ipv6DestinationHigh = ipv6DestinationLow = 0;
        ipv6ExtensionCount = 0;
        ipv6ExtensionMask = 0;
        fragment = false;
        moreFragments = false;
        fragmentOffset = 0;
        fragmentId = 0;
        arpOperation = 0;
        l4Protocol = -1;
        l4Offset = -1;
        l4Length = 0;
        sourcePort = destinationPort = 0;
        tcpFlags = 0;
        icmpType = icmpCode = -1;
        payloadOffset = -1;
        payloadLength = 0;
        trailerLength = 0;
    }

    private int parseEthernet() {
        long l2 = HeaderWalk.ethernet(segment, base, length);
        int code = HeaderWalk.code(l2);
        if (code == ParseResult.TRUNCATED_ETHERNET) {
            return code;
        }
        vlanCount = HeaderWalk.vlanCount(l2);
        // A tag's TPID and TCI are one 32-bit word: the TPID field before it, then its TCI.
        if (vlanCount > 0) {
            int tag = u32(segment, base + EthernetHeader.ETHERTYPE_OFFSET);
            vlanTpid0 = tag >>> 16;
            vlanTci0 = tag & 0xFFFF;
        }
        if (vlanCount > 1) {
            int tag = u32(segment, base + EthernetHeader.LENGTH + VlanTag.INNER_ETHERTYPE_OFFSET);
            vlanTpid1 = tag >>> 16;
            vlanTci1 = tag & 0xFFFF;
        }
        if (code != ParseResult.OK) {
            return code;
        }
        int pos = HeaderWalk.l3Offset(vlanCount);
        int type = HeaderWalk.etherType(l2);
        etherType = type;
        l3Offset = pos;
        return switch (type) {
            case EthernetHeader.ETHERTYPE_IPV4 -> parseIpv4(pos);
            case EthernetHeader.ETHERTYPE_IPV6 -> parseIpv6(pos);
            case EthernetHeader.ETHERTYPE_ARP -> parseArp(pos);
            default -> ParseResult.UNSUPPORTED_ETHERTYPE;
        };
    }

    private int parseArp(int pos) {
        int avail = length - pos;
        if (avail < ArpHeader.FIXED_LENGTH) {
            return ParseResult.TRUNCATED_ARP;
        }
        long at = base + pos;
        if (u16(segment, at + ArpHeader.HARDWARE_TYPE_OFFSET) != ArpHeader.HARDWARE_ETHERNET
                || u16(segment, at + ArpHeader.PROTOCOL_TYPE_OFFSET) != EthernetHeader.ETHERTYPE_IPV4
                || u8(segment, at + ArpHeader.HARDWARE_LENGTH_OFFSET) != 6
                || u8(segment, at + ArpHeader.PROTOCOL_LENGTH_OFFSET) != 4) {
            return ParseResult.UNSUPPORTED_ARP_FORMAT;
        }
        if (avail < ArpHeader.LENGTH) {
            return ParseResult.TRUNCATED_ARP;
        }
        arpOperation = u16(segment, at + ArpHeader.OPERATION_OFFSET);
        l3Length = ArpHeader.LENGTH;
        trailerLength = avail - ArpHeader.LENGTH;
        return ParseResult.OK;
    }

    private int parseIpv4(int pos) {
        long ip = HeaderWalk.ipv4(segment, base, length, pos);
        int code = HeaderWalk.code(ip);
        int avail = length - pos;
        long at = base + pos;
        if (avail >= Ipv4Header.MIN_LENGTH && code != ParseResult.MALFORMED_IPV4_VERSION) {
            ipVersion = 4;
        }
        if (code != ParseResult.OK && code != ParseResult.MALFORMED_IPV4_FRAGMENT) {
            return code;
        }
        int total = HeaderWalk.ipv4TotalLength(ip);
        ipHeaderLength = HeaderWalk.l4Offset(ip) - pos;
        l3Length = total;
        trailerLength = avail - total;
        int idff = u32(segment, at + Ipv4Header.IDENTIFICATION_OFFSET); // Identification, then flags and offset
        fragmentOffset = (idff & Ipv4Header.FRAGMENT_OFFSET_MASK) * 8;
        moreFragments = (idff & Ipv4Header.FLAG_MORE_FRAGMENTS) != 0;
        fragment = HeaderWalk.isFragment(ip);
        fragmentId = idff >>> 16;
        if (code != ParseResult.OK) {
            return code;
        }
        ttl = u8(segment, at + Ipv4Header.TTL_OFFSET);
        ipProtocol = HeaderWalk.l4Protocol(ip);
        ipv4Source = u32(segment, at + Ipv4Header.SOURCE_OFFSET);
        ipv4Destination = u32(segment, at + Ipv4Header.DESTINATION_OFFSET);
        return parseL4(ip, pos + total);
    }

    private int parseIpv6(int pos) {
        long ip = HeaderWalk.ipv6(segment, base, length, pos);
        int code = HeaderWalk.code(ip);
        if (code == ParseResult.TRUNCATED_IPV6 || code == ParseResult.MALFORMED_IPV6_VERSION) {
            return code;
        }
        ipVersion = 6;
        if (code == ParseResult.MALFORMED_IPV6_PAYLOAD_LENGTH) {
            return code;
        }
        long at = base + pos;
        int total = Ipv6Header.LENGTH + u16(segment, at + Ipv6Header.PAYLOAD_LENGTH_OFFSET);
        ipHeaderLength = Ipv6Header.LENGTH;
        l3Length = total;
        trailerLength = length - pos - total;
        ipProtocol = u8(segment, at + Ipv6Header.NEXT_HEADER_OFFSET);
        ttl = u8(segment, at + Ipv6Header.HOP_LIMIT_OFFSET);
        ipv6SourceHigh = u64(segment, at + Ipv6Header.SOURCE_OFFSET);
        ipv6SourceLow = u64(segment, at + Ipv6Header.SOURCE_OFFSET + 8);
        ipv6DestinationHigh = u64(segment, at + Ipv6Header.DESTINATION_OFFSET);
        ipv6DestinationLow = u64(segment, at + Ipv6Header.DESTINATION_OFFSET + 8);
        ipv6ExtensionCount = HeaderWalk.extensionCount(ip);
        ipv6ExtensionMask = HeaderWalk.extensionMask(ip);
        int fragmentHeader = HeaderWalk.fragmentHeaderOffset(ip);
        if (fragmentHeader != 0) {
            long h = base + fragmentHeader;
            int word = u16(segment, h + Ipv6ExtensionHeader.FRAGMENT_OFFSET_FIELD_OFFSET);
            fragmentOffset = word & Ipv6ExtensionHeader.FRAGMENT_OFFSET_MASK;
            moreFragments = (word & Ipv6ExtensionHeader.FRAGMENT_MORE) != 0;
            // An atomic fragment is not a fragment; EXT_FRAGMENT and fragmentId still tell that the header was there.
            fragment = HeaderWalk.isFragment(ip);
            fragmentId = u32(segment, h + Ipv6ExtensionHeader.FRAGMENT_IDENTIFICATION_OFFSET);
        }
        if (code != ParseResult.OK) {
            return code;
        }
        return parseL4(ip, pos + total);
    }

    /** The L4 header of the {@link HeaderWalk} result {@code ip}; the IP payload ends at {@code end} (frame-relative). */
    private int parseL4(long ip, int end) {
        int protocol = HeaderWalk.l4Protocol(ip);
        int pos = HeaderWalk.l4Offset(ip);
        l4Protocol = protocol;
        int avail = end - pos;
        if (HeaderWalk.isLaterFragment(ip)) {
            // A non-first fragment: its data continues the L4 segment; there is no L4 header here.
            payloadOffset = pos;
            payloadLength = avail;
            return ParseResult.OK;
        }
        if (protocol == IpProtocol.NO_NEXT_HEADER && ipVersion == 6) {
            payloadOffset = pos;
            return ParseResult.OK; // bytes after No Next Header are ignored (RFC 8200 §4.7)
        }
        long at = base + pos;
        switch (protocol) {
            case IpProtocol.TCP -> {
                int code = HeaderWalk.tcp(segment, base, pos, end);
                if (code != ParseResult.OK) {
                    return code;
                }
                int offsetAndFlags = u16(segment, at + TcpHeader.DATA_OFFSET_OFFSET);
                int hl = (offsetAndFlags >>> 12) * 4;
                int ports = u32(segment, at + TcpHeader.SOURCE_PORT_OFFSET);
                sourcePort = ports >>> 16;
                destinationPort = ports & 0xFFFF;
                tcpFlags = offsetAndFlags & 0xFF;
                l4Length = avail;
                payloadOffset = pos + hl;
                payloadLength = avail - hl;
            }
            case IpProtocol.UDP -> {
                int code = HeaderWalk.udp(segment, base, pos, end, fragment);
                if (code != ParseResult.OK) {
                    return code;
                }
                // A first fragment holds only part of the datagram that UDP Length describes.
                int present = fragment ? avail : u16(segment, at + UdpHeader.LENGTH_OFFSET);
                int ports = u32(segment, at + UdpHeader.SOURCE_PORT_OFFSET);
                sourcePort = ports >>> 16;
                destinationPort = ports & 0xFFFF;
                l4Length = present;
                payloadOffset = pos + UdpHeader.LENGTH;
                payloadLength = present - UdpHeader.LENGTH;
            }
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> {
                boolean ours = (protocol == IpProtocol.ICMP) == (ipVersion == 4);
                if (!ours) {
                    return other(pos, avail); // ICMPv4 inside IPv6 or ICMPv6 inside IPv4
                }
                int code = HeaderWalk.icmp(pos, end,
                        protocol == IpProtocol.ICMP ? ParseResult.TRUNCATED_ICMP : ParseResult.TRUNCATED_ICMPV6);
                if (code != ParseResult.OK) {
                    return code;
                }
                icmpType = u8(segment, at + IcmpHeader.TYPE_OFFSET);
                icmpCode = u8(segment, at + IcmpHeader.CODE_OFFSET);
                l4Length = avail;
                payloadOffset = pos + IcmpHeader.LENGTH;
                payloadLength = avail - IcmpHeader.LENGTH;
            }
            default -> {
                return other(pos, avail);
            }
        }
        l4Offset = pos;
        return ParseResult.OK;
    }

    /** ESP, GRE, SCTP, ...: known to be there, not parsed. The payload is the whole rest. */
    private int other(int pos, int avail) {
        l4Offset = pos;
        l4Length = avail;
        payloadOffset = pos;
        payloadLength = avail;
        return ParseResult.OK;
    }

    // ---------------------------------------------------------------- results

    public int result() {
        return result;
    }

    public boolean isOk() {
        return result == ParseResult.OK;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Absolute offset of the frame in {@link #segment()}; add a relative offset to address a byte. */
    public long base() {
        return base;
    }

    public int length() {
        return length;
    }

    public int vlanCount() {
        return vlanCount;
    }

    /** TPID of tag {@code i} (0 = outermost). */
    public int vlanTpid(int i) {
        return i == 0 ? vlanTpid0 : vlanTpid1;
    }

    /** TCI of tag {@code i} (0 = outermost): priority, DEI, VLAN ID ({@link VlanTag#vlanId(int)}). */
    public int vlanTci(int i) {
        return i == 0 ? vlanTci0 : vlanTci1;
    }

    /** VLAN ID of the innermost tag, or -1 for an untagged frame. */
    public int vlanId() {
        return vlanCount == 0 ? -1 : (vlanCount == 1 ? vlanTci0 : vlanTci1) & 0x0FFF;
    }

    /** EtherType after all VLAN tags, or -1 when the Ethernet header was truncated. */
    public int etherType() {
        return etherType;
    }

    public int l3Offset() {
        return l3Offset;
    }

    /** 4 or 6, 0 when not IP. */
    public int ipVersion() {
        return ipVersion;
    }

    /** IPv4: IHL * 4 (options included); IPv6: 40 (extension headers not included). */
    public int ipHeaderLength() {
        return ipHeaderLength;
    }

    public int ipv4OptionsLength() {
        return ipVersion == 4 ? ipHeaderLength - Ipv4Header.MIN_LENGTH : 0;
    }

    /** IPv4 Total Length, or 40 + IPv6 Payload Length, or 28 for ARP: the L3 bytes in this frame. */
    public int l3Length() {
        return l3Length;
    }

    /** IPv4 Protocol or the Next Header of the IPv6 header (possibly an extension header). */
    public int ipProtocol() {
        return ipProtocol;
    }

    /** TTL or Hop Limit. */
    public int ttl() {
        return ttl;
    }

    public int ipv4Source() {
        return ipv4Source;
    }

    public int ipv4Destination() {
        return ipv4Destination;
    }

    public long ipv6SourceHigh() {
        return ipv6SourceHigh;
    }

    public long ipv6SourceLow() {
        return ipv6SourceLow;
    }

    public long ipv6DestinationHigh() {
        return ipv6DestinationHigh;
    }

    public long ipv6DestinationLow() {
        return ipv6DestinationLow;
    }

    public int ipv6ExtensionCount() {
        return ipv6ExtensionCount;
    }

    /** Which extension headers were walked (EXT_ bits). */
    public int ipv6ExtensionMask() {
        return ipv6ExtensionMask;
    }

    /** True for any IPv4 or IPv6 fragment, first or not. */
    public boolean isFragment() {
        return fragment;
    }

    /** A fragment after the first: no L4 header, {@link #l4Offset()} is -1. */
    public boolean isLaterFragment() {
        return fragmentOffset != 0;
    }

    public boolean moreFragments() {
        return moreFragments;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset() {
        return fragmentOffset;
    }

    /** IPv4 Identification (16 bits) or IPv6 fragment Identification (32 bits). */
    public int fragmentId() {
        return fragmentId;
    }

    public int arpOperation() {
        return arpOperation;
    }

    /** The final protocol: after the IPv6 extension headers; ESP (50) and No Next Header (59) end the walk. */
    public int l4Protocol() {
        return l4Protocol;
    }

    public int l4Offset() {
        return l4Offset;
    }

    public boolean hasL4Header() {
        return l4Offset >= 0;
    }

    /**
     * Bytes of the L4 segment in this frame, header included: the UDP Length for whole UDP
     * datagrams, else up to the end of the IP payload.
     */
    public int l4Length() {
        return l4Length;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    public int tcpFlags() {
        return tcpFlags;
    }

    /** ICMP or ICMPv6 type, -1 for other protocols. */
    public int icmpType() {
        return icmpType;
    }

    public int icmpCode() {
        return icmpCode;
    }

    /** First byte after the L4 header (or after the last IP header when there is none). */
    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }

    /** Bytes after the L3 packet (Ethernet padding). */
    public int trailerLength() {
        return trailerLength;
    }

    // ---------------------------------------------------------------- flyweights at the parsed offsets

    public boolean wrapEthernet(EthernetHeader h) {
        return length >= EthernetHeader.LENGTH && h.wrap(segment, base, length);
    }

    public boolean wrapArp(ArpHeader h) {
        return result == ParseResult.OK && etherType == EthernetHeader.ETHERTYPE_ARP && h.wrap(segment, base + l3Offset, l3Length);
    }

    /** The IPv4 header, bounded by Total Length; false unless an IPv4 header was parsed. */
    public boolean wrapIpv4(Ipv4Header h) {
        return ipVersion == 4 && ipHeaderLength != 0 && h.wrap(segment, base + l3Offset, l3Length);
    }

    public boolean wrapIpv6(Ipv6Header h) {
        return ipVersion == 6 && ipHeaderLength != 0 && h.wrap(segment, base + l3Offset, l3Length);
    }

    public boolean wrapTcp(TcpHeader h) {
        return l4Ready(IpProtocol.TCP) && h.wrap(segment, base + l4Offset, l4Length);
    }

    public boolean wrapUdp(UdpHeader h) {
        return l4Ready(IpProtocol.UDP) && h.wrap(segment, base + l4Offset, l4Length);
    }

    public boolean wrapIcmp(IcmpHeader h) {
        return ipVersion == 4 && l4Ready(IpProtocol.ICMP) && h.wrap(segment, base + l4Offset, l4Length);
    }

    public boolean wrapIcmpv6(Icmpv6Header h) {
        return ipVersion == 6 && l4Ready(IpProtocol.ICMPV6) && h.wrap(segment, base + l4Offset, l4Length);
    }

    private boolean l4Ready(int protocol) {
        return result == ParseResult.OK && l4Offset >= 0 && l4Protocol == protocol;
    }

    // ---------------------------------------------------------------- checksums

    /**
     * Absolute offset (in {@link #segment()}) of the L4 checksum that covers the IP
     * pseudo-header, for the address setters of {@link Ipv4Header} and {@link Ipv6Header}: TCP and
     * UDP, and ICMPv6; -1 when there is none in this frame (ICMPv4, later fragments, other
     * protocols, not OK). A first fragment has it: the update stays correct for the reassembled
     * datagram.
     */
    public long pseudoHeaderChecksumAt() {
        if (result != ParseResult.OK || l4Offset < 0) {
            return -1;
        }
        return switch (l4Protocol) {
            case IpProtocol.TCP -> base + l4Offset + Checksums.TCP_CHECKSUM_OFFSET;
            case IpProtocol.UDP -> base + l4Offset + Checksums.UDP_CHECKSUM_OFFSET;
            case IpProtocol.ICMPV6 -> ipVersion == 6 ? base + l4Offset + Checksums.ICMP_CHECKSUM_OFFSET : -1;
            default -> -1;
        };
    }

    /** True when an IPv4 header was parsed and its checksum is correct. */
    public boolean ipv4HeaderChecksumValid() {
        return ipVersion == 4 && ipHeaderLength != 0 && Checksums.ipv4HeaderValid(segment, base + l3Offset);
    }

    /**
     * Verifies the TCP, UDP, ICMP or ICMPv6 checksum over the bytes parsed: one of the
     * {@code CHECKSUM_} constants.
     */
    public int verifyL4Checksum() {
        if (result != ParseResult.OK || l4Offset < 0 || fragment) {
            return CHECKSUM_UNVERIFIABLE;
        }
        long ip = base + l3Offset;
        long l4 = base + l4Offset;
        if (ipVersion == 4) {
            switch (l4Protocol) {
                case IpProtocol.UDP -> {
                    if (u16(segment, l4 + Checksums.UDP_CHECKSUM_OFFSET) == 0) {
                        return CHECKSUM_ABSENT;
                    }
                    return valid(Checksums.l4OverIpv4Valid(segment, ip, l4, l4Length, IpProtocol.UDP));
                }
                case IpProtocol.TCP -> {
                    return valid(Checksums.l4OverIpv4Valid(segment, ip, l4, l4Length, IpProtocol.TCP));
                }
                case IpProtocol.ICMP -> {
                    return valid(Checksums.icmpv4Valid(segment, l4, l4Length));
                }
                default -> {
                    return CHECKSUM_UNVERIFIABLE;
                }
            }
        }
        if ((ipv6ExtensionMask & EXT_ROUTING) != 0) {
            return CHECKSUM_UNVERIFIABLE; // the pseudo-header holds the final destination, not looked up
        }
        return switch (l4Protocol) {
            case IpProtocol.UDP, IpProtocol.TCP, IpProtocol.ICMPV6 ->
                    valid(Checksums.l4OverIpv6Valid(segment, ip, l4, l4Length, l4Protocol));
            default -> CHECKSUM_UNVERIFIABLE;
        };
    }

    private static int valid(boolean ok) {
        return ok ? CHECKSUM_VALID : CHECKSUM_INVALID;
    }
}
