package dev.sluice.lb.forward;

import dev.sluice.proto.Checksums;
import dev.sluice.proto.IcmpHeader;
import dev.sluice.proto.Icmpv6Header;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6Header;
import dev.sluice.umem.Packet;

/**
 * ICMP messages the balancer answers or sends itself, built in the received frame and sent back to
 * the frame's sender (MACs swapped). Whether to answer belongs to the caller (the data plane's
 * handler); these methods only build the message. The caller applies the rules of RFC 1122
 * §3.2.2 and RFC 4443 §2.4(e): no error about an ICMP error, a non-first fragment, or a packet
 * from a multicast, broadcast or unspecified source (and rate-limits errors).
 *
 * <h2>Echo replies</h2>
 * An ICMP echo request (type 8) or ICMPv6 echo request (128) becomes the reply (0, 129) in place:
 * addresses swapped (the reply comes from the address that was pinged: the VIP), TTL / hop limit
 * 64, type changed with an incremental checksum update (swapping addresses changes neither the
 * IPv4 header sum nor the IPv6 pseudo-header sum). Identifier, sequence and data are echoed as they
 * came; trailing Ethernet padding is dropped.
 *
 * <h2>Errors about a packet too big for the path</h2>
 * New headers are pushed in front of the received packet, which stays where it is and becomes the
 * quoted packet: its bytes are never copied, only the L2 header moves to the new start.
 * <pre>
 *  received:           | L2 | IP header | 8 bytes (ports) | rest ...
 *  IPv4 error:  | L2 | IPv4 | ICMP 3/4 | IP header | 8 bytes |           (rest cut off)
 *  IPv6 error:  | L2 | IPv6 | ICMPv6 2 | quoted packet, up to 1232 bytes | (rest cut off)
 *               ^ new start, 28 (IPv4) or 48 (IPv6) bytes earlier
 * </pre>
 * The new IP header goes from the original destination (the VIP) to the original source, TTL /
 * hop limit 64; IPv4 with DF and identification 0, TOS 0xC0 (precedence "internetwork control",
 * as IP stacks send ICMP errors). ICMP type 3 code 4 carries the next-hop MTU in its second 16-bit
 * word (RFC 1191) and quotes the IP header plus 8 bytes (RFC 792); ICMPv6 type 2 carries the 32-bit
 * MTU and quotes as much of the packet as keeps the message within the IPv6 minimum MTU of 1280
 * bytes (RFC 4443 §2.4(c), §3.2). Checksums: ICMP over the message, ICMPv6 over the pseudo-header.
 *
 * <p>A method returns false and leaves the packet unchanged when it is not what the method answers
 * (wrong version, not an echo request, a bad request checksum), is shorter than its headers say,
 * or (errors) the headroom is too short. No allocation, no exceptions.
 */
public final class IcmpReplies {
    /** TTL / hop limit of every message built here. */
    public static final int TTL = 64;
    /** TOS of ICMP errors: precedence 6, internetwork control. */
    public static final int ERROR_TOS = 0xC0;
    /** Bytes of the original datagram after its IP header that an ICMPv4 error quotes. */
    public static final int IPV4_QUOTED_DATA = 8;
    /** An ICMPv6 error, IPv6 header included, never exceeds the IPv6 minimum MTU. */
    public static final int IPV6_MIN_MTU = 1280;
    /** Bytes pushed in front of the quoted packet: IPv4 header + ICMP header. */
    public static final int FRAGMENTATION_NEEDED_OVERHEAD = Ipv4Header.MIN_LENGTH + IcmpHeader.LENGTH;
    /** Bytes pushed in front of the quoted packet: IPv6 header + ICMPv6 header. */
    public static final int PACKET_TOO_BIG_OVERHEAD = Ipv6Header.LENGTH + Icmpv6Header.LENGTH;
    /** ICMP destination unreachable code 4: fragmentation needed and DF set. */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

    private IcmpReplies() {
    }

    /**
     * Turns the ICMP (IPv4) or ICMPv6 echo request at {@code l3Offset} into its reply, in place. The
     * ICMPv6 header must follow the IPv6 header directly (a request with extension headers: false).
     */
    public static boolean echoReply(Packet p, int l3Offset) {
        int length = Rewrites.ipPacketLength(p, l3Offset);
        if (length < 0) {
            return false;
        }
        return p.getByte(l3Offset) >>> 4 == 4 ? echoReply4(p, l3Offset, length) : echoReply6(p, l3Offset, length);
    }

    private static boolean echoReply4(Packet p, int l3, int length) {
        int ihl = (p.getByte(l3) & 0x0F) * 4;
        int icmp = l3 + ihl;
        int icmpLength = length - ihl;
        if (p.getByte(l3 + Ipv4Header.PROTOCOL_OFFSET) != IpProtocol.ICMP || icmpLength < IcmpHeader.LENGTH
                || (p.getShort(l3 + Ipv4Header.FLAGS_FRAGMENT_OFFSET) & (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0
                || p.getByte(icmp) != IcmpHeader.ECHO_REQUEST
                || !Checksums.icmpv4Valid(p.segment(), p.offset() + icmp, icmpLength)) {
            return false;
        }
        int source = p.getInt(l3 + Ipv4Header.SOURCE_OFFSET);
        p.setInt(l3 + Ipv4Header.SOURCE_OFFSET, p.getInt(l3 + Ipv4Header.DESTINATION_OFFSET));
        p.setInt(l3 + Ipv4Header.DESTINATION_OFFSET, source);
        p.setByte(l3 + Ipv4Header.TTL_OFFSET, TTL);
        Checksums.setIpv4Header(p.segment(), p.offset() + l3);
        replyType(p, icmp, IcmpHeader.ECHO_REPLY);
        p.setLength(l3 + length);
        Rewrites.swapMacs(p);
        return true;
    }

    private static boolean echoReply6(Packet p, int l3, int length) {
        int icmp = l3 + Ipv6Header.LENGTH;
        int icmpLength = length - Ipv6Header.LENGTH;
        if (p.getByte(l3 + Ipv6Header.NEXT_HEADER_OFFSET) != IpProtocol.ICMPV6 || icmpLength < Icmpv6Header.LENGTH
                || p.getByte(icmp) != Icmpv6Header.ECHO_REQUEST
                || !Checksums.icmpv6Valid(p.segment(), p.offset() + l3, p.offset() + icmp, icmpLength)) {
            return false;
        }
        int s = l3 + Ipv6Header.SOURCE_OFFSET;
        int d = l3 + Ipv6Header.DESTINATION_OFFSET;
        long sourceHigh = p.getLong(s);
        long sourceLow = p.getLong(s + 8);
        p.setLong(s, p.getLong(d));
        p.setLong(s + 8, p.getLong(d + 8));
        p.setLong(d, sourceHigh);
        p.setLong(d + 8, sourceLow);
        p.setByte(l3 + Ipv6Header.HOP_LIMIT_OFFSET, TTL);
        replyType(p, icmp, Icmpv6Header.ECHO_REPLY);
        p.setLength(l3 + length);
        Rewrites.swapMacs(p);
        return true;
    }

    /** Sets the type byte of the ICMP header at {@code icmp}, updating its checksum incrementally. */
    private static void replyType(Packet p, int icmp, int type) {
        int oldWord = p.getShort(icmp);
        int newWord = (type << 8) | (oldWord & 0xFF);
        p.setShort(icmp, newWord);
        int at = icmp + IcmpHeader.CHECKSUM_OFFSET;
        p.setShort(at, Checksums.update16(p.getShort(at), oldWord, newWord));
    }

    /**
     * Builds, in the frame of the IPv4 packet at {@code l3Offset}, an ICMP "fragmentation needed and
     * DF set" (type 3 code 4) to its sender reporting {@code mtu} (0..65535), quoting its IP header
     * and the first 8 bytes after it (fewer when the packet has fewer).
     */
    public static boolean fragmentationNeeded(Packet p, int l3Offset, int mtu) {
        int length = Rewrites.ipPacketLength(p, l3Offset);
        if (length < 0 || p.getByte(l3Offset) >>> 4 != 4) {
            return false;
        }
        int quoted = Math.min(length, (p.getByte(l3Offset) & 0x0F) * 4 + IPV4_QUOTED_DATA);
        int added = FRAGMENTATION_NEEDED_OVERHEAD;
        if (!Rewrites.pushOuter(p, l3Offset, added)) {
            return false;
        }
        int original = l3Offset + added;
        int icmp = l3Offset + Ipv4Header.MIN_LENGTH;
        p.setLength(original + quoted);
        Rewrites.writeIpv4(p, l3Offset, ERROR_TOS, added + quoted, 0, true, IpProtocol.ICMP,
                p.getInt(original + Ipv4Header.DESTINATION_OFFSET), p.getInt(original + Ipv4Header.SOURCE_OFFSET));
        p.setInt(icmp, (IcmpHeader.DESTINATION_UNREACHABLE << 24) | (CODE_FRAGMENTATION_NEEDED << 16));
        p.setInt(icmp + IcmpHeader.REST_OFFSET, mtu & 0xFFFF); // unused (16 bits), next-hop MTU (16 bits)
        Checksums.setIcmpv4(p.segment(), p.offset() + icmp, IcmpHeader.LENGTH + quoted);
        Rewrites.swapMacs(p);
        return true;
    }

    /**
     * Builds, in the frame of the IPv6 packet at {@code l3Offset}, an ICMPv6 packet-too-big (type 2)
     * to its sender reporting {@code mtu}, quoting as much of the packet as fits in 1280 bytes.
     */
    public static boolean packetTooBig(Packet p, int l3Offset, int mtu) {
        int length = Rewrites.ipPacketLength(p, l3Offset);
        if (length < 0 || p.getByte(l3Offset) >>> 4 != 6) {
            return false;
        }
        int added = PACKET_TOO_BIG_OVERHEAD;
        int quoted = Math.min(length, IPV6_MIN_MTU - added);
        if (!Rewrites.pushOuter(p, l3Offset, added)) {
            return false;
        }
        int original = l3Offset + added;
        int icmp = l3Offset + Ipv6Header.LENGTH;
        p.setLength(original + quoted);
        p.setInt(l3Offset, 6 << 28);
        p.setShort(l3Offset + Ipv6Header.PAYLOAD_LENGTH_OFFSET, Icmpv6Header.LENGTH + quoted);
        p.setByte(l3Offset + Ipv6Header.NEXT_HEADER_OFFSET, IpProtocol.ICMPV6);
        p.setByte(l3Offset + Ipv6Header.HOP_LIMIT_OFFSET, TTL);
        int s = l3Offset + Ipv6Header.SOURCE_OFFSET;
        int d = l3Offset + Ipv6Header.DESTINATION_OFFSET;
        p.setLong(s, p.getLong(original + Ipv6Header.DESTINATION_OFFSET));
        p.setLong(s + 8, p.getLong(original + Ipv6Header.DESTINATION_OFFSET + 8));
        p.setLong(d, p.getLong(original + Ipv6Header.SOURCE_OFFSET));
        p.setLong(d + 8, p.getLong(original + Ipv6Header.SOURCE_OFFSET + 8));
        p.setInt(icmp, Icmpv6Header.PACKET_TOO_BIG << 24);
        p.setInt(icmp + Icmpv6Header.BODY_OFFSET, mtu);
        long base = p.offset();
        Checksums.setIcmpv6(p.segment(), base + l3Offset, base + icmp, Icmpv6Header.LENGTH + quoted);
        Rewrites.swapMacs(p);
        return true;
    }
}
