package dev.sluice.lb.forward;

import dev.sluice.proto.Checksums;
import dev.sluice.proto.EthernetHeader;
import dev.sluice.proto.NetworkOrder;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6Header;
import dev.sluice.proto.UdpHeader;
import dev.sluice.sys.AddressSpace;
import dev.sluice.umem.Packet;

import java.lang.foreign.MemorySegment;

/**
 * The balancer's forwarding rewrites, in place in the received frame: DSR (MAC rewrite) and the
 * encapsulations (IPIP, IP6IP6, 4in6, 6in4, GUE variant 1).
 *
 * <h2>Encapsulation layout</h2>
 * The received packet's IP header starts at {@code l3Offset}, after Ethernet and any VLAN tags. The
 * outer headers are pushed into the frame's headroom ({@link Packet#prepend}); the L2 header moves
 * to the new start and its last EtherType names the outer IP version. The inner IP packet stays
 * where it is: payload bytes are never copied.
 * <pre>
 *  received:            | L2 (l3Offset) | inner IP packet ...        | pad |
 *  encapsulated: | L2 (l3Offset) | outer IP | [UDP] | inner IP packet ... |
 *                ^ new start     ^ l3Offset  20/40    8 for GUE
 * </pre>
 * Ethernet padding after the inner packet (its IP length says where it ends) is dropped.
 *
 * <h2>Outer headers</h2>
 * <ul>
 *   <li>IPv4: TTL 64; protocol 4 (inner IPv4), 41 (inner IPv6) or 17 (GUE); DF copied from the inner
 *       IPv4 packet and always set for inner IPv6 (which routers never fragment); identification 0
 *       with DF (RFC 6864), else the inner identification; TOS copied from the inner packet (DSCP
 *       and ECN, RFC 2003 / RFC 6040 normal mode); header checksum computed.</li>
 *   <li>IPv6: hop limit 64; next header 4, 41 or 17; traffic class copied from the inner packet; flow
 *       label the caller's, or the inner IPv6 packet's (0 for inner IPv4).</li>
 *   <li>GUE variant 1 (RFC 8086 §5): the inner IP packet directly in UDP, no GUE header (the first
 *       two bits of the UDP payload, 01 for both IP versions, say so). UDP checksum 0 over IPv4
 *       (RFC 8086 §5.6.1), computed over IPv6 (RFC 8200 §8.1: IPv6 UDP needs one).</li>
 *   <li>MACs: {@code ownMac -> nextMac} (the next hop of the route to the backend).</li>
 * </ul>
 * A method returns false and leaves the packet unchanged when the headroom is too short, the packet
 * at {@code l3Offset} is not IPv4 or IPv6, or it is shorter than its IP length says (the caller
 * parsed and checked it; these checks make a wrong call harmless, not a corrupted frame).
 *
 * <p>Stateless static methods: no allocation, no exceptions, no locks.
 */
public final class Rewrites {
    /** TTL of an outer IPv4 header and hop limit of an outer IPv6 header. */
    public static final int OUTER_TTL = 64;
    /** Outer IPv4 header (no options). */
    public static final int IPV4_OVERHEAD = Ipv4Header.MIN_LENGTH;
    /** Outer IPv6 header. */
    public static final int IPV6_OVERHEAD = Ipv6Header.LENGTH;
    /** GUE variant 1 adds a UDP header and nothing else. */
    public static final int GUE_OVERHEAD = UdpHeader.LENGTH;
    /** Flow label argument meaning "copy the inner IPv6 packet's (0 for inner IPv4)". */
    public static final int INNER_FLOW_LABEL = -1;

    private static final int FLOW_LABEL_MASK = 0xF_FFFF;

    private Rewrites() {
    }

    /** Bytes an encapsulation adds in front of the inner IP packet: 20 or 40, plus 8 for GUE. */
    public static int overhead(boolean outerV6, boolean gue) {
        return (outerV6 ? IPV6_OVERHEAD : IPV4_OVERHEAD) + (gue ? GUE_OVERHEAD : 0);
    }

    /**
     * L2 direct server return: destination MAC the backend's, source MAC the balancer's own (else a
     * switch would learn the client's MAC on the balancer's port). Nothing else changes. The frame's
     * first byte is at native address {@code frame} (a {@code PacketBatch.nativeAddress}) and is
     * written through {@link AddressSpace#ALL}: the caller knows it holds an Ethernet header.
     */
    public static void dsr(long frame, long ownMac, long backendMac) {
        NetworkOrder.put48(AddressSpace.ALL, frame + EthernetHeader.DESTINATION_OFFSET, backendMac);
        NetworkOrder.put48(AddressSpace.ALL, frame + EthernetHeader.SOURCE_OFFSET, ownMac);
    }

    /** IPIP (inner IPv4, protocol 4) or 6in4 (inner IPv6, protocol 41) in an outer IPv4 header. */
    public static boolean ipipOver4(Packet p, int l3Offset, int outerSrc, int outerDst, long ownMac, long nextMac) {
        return over4(p, l3Offset, outerSrc, outerDst, false, 0, 0, ownMac, nextMac);
    }

    /** 4in6 (inner IPv4, next header 4) or IP6IP6 (inner IPv6, 41) in an outer IPv6 header. */
    public static boolean ipipOver6(Packet p, int l3Offset, long srcHi, long srcLo, long dstHi, long dstLo,
                                    long ownMac, long nextMac) {
        return over6(p, l3Offset, srcHi, srcLo, dstHi, dstLo, false, 0, 0, INNER_FLOW_LABEL, ownMac, nextMac);
    }

    /** As {@link #ipipOver6(Packet, int, long, long, long, long, long, long)} with the outer flow label given (0..0xFFFFF). */
    public static boolean ipipOver6(Packet p, int l3Offset, long srcHi, long srcLo, long dstHi, long dstLo,
                                    int flowLabel, long ownMac, long nextMac) {
        return over6(p, l3Offset, srcHi, srcLo, dstHi, dstLo, false, 0, 0, flowLabel, ownMac, nextMac);
    }

    /** GUE variant 1 over IPv4: outer IPv4 (protocol 17), UDP {@code srcPort -> dstPort} with checksum 0, the inner IP packet. */
    public static boolean gueOver4(Packet p, int l3Offset, int outerSrc, int outerDst, int srcPort, int dstPort,
                                   long ownMac, long nextMac) {
        return over4(p, l3Offset, outerSrc, outerDst, true, srcPort, dstPort, ownMac, nextMac);
    }

    /** GUE variant 1 over IPv6: outer IPv6 (next header 17), UDP {@code srcPort -> dstPort} with its checksum, the inner IP packet. */
    public static boolean gueOver6(Packet p, int l3Offset, long srcHi, long srcLo, long dstHi, long dstLo,
                                   int srcPort, int dstPort, long ownMac, long nextMac) {
        return over6(p, l3Offset, srcHi, srcLo, dstHi, dstLo, true, srcPort, dstPort, INNER_FLOW_LABEL, ownMac, nextMac);
    }

    /** As {@link #gueOver6(Packet, int, long, long, long, long, int, int, long, long)} with the outer flow label given (0..0xFFFFF). */
    public static boolean gueOver6(Packet p, int l3Offset, long srcHi, long srcLo, long dstHi, long dstLo,
                                   int srcPort, int dstPort, int flowLabel, long ownMac, long nextMac) {
        return over6(p, l3Offset, srcHi, srcLo, dstHi, dstLo, true, srcPort, dstPort, flowLabel, ownMac, nextMac);
    }

    // ---------------------------------------------------------------- the two outer families

    private static boolean over4(Packet p, int l3, int src, int dst, boolean gue, int srcPort, int dstPort,
                                 long ownMac, long nextMac) {
        int inner = ipPacketLength(p, l3);
        if (inner < 0) {
            return false;
        }
        boolean innerV4 = p.getByte(l3) >>> 4 == 4;
        int tos;
        int identification;
        boolean dontFragment;
        if (innerV4) {
            tos = p.getByte(l3 + Ipv4Header.TOS_OFFSET);
            dontFragment = (p.getShort(l3 + Ipv4Header.FLAGS_FRAGMENT_OFFSET) & Ipv4Header.FLAG_DONT_FRAGMENT) != 0;
            identification = dontFragment ? 0 : p.getShort(l3 + Ipv4Header.IDENTIFICATION_OFFSET);
        } else {
            tos = ipv6TrafficClass(p, l3);
            dontFragment = true;
            identification = 0;
        }
        int added = IPV4_OVERHEAD + (gue ? GUE_OVERHEAD : 0);
        if (!pushOuter(p, l3, added)) {
            return false;
        }
        p.setLength(l3 + added + inner);
        int protocol = gue ? IpProtocol.UDP : innerV4 ? IpProtocol.IPV4 : IpProtocol.IPV6;
        writeIpv4(p, l3, tos, added + inner, identification, dontFragment, protocol, src, dst);
        if (gue) {
            int udp = l3 + IPV4_OVERHEAD;
            p.setInt(udp, (srcPort << 16) | (dstPort & 0xFFFF)); // ports are 16 bits: the shift drops the rest
            p.setInt(udp + UdpHeader.LENGTH_OFFSET, (GUE_OVERHEAD + inner) << 16); // checksum 0: none (RFC 8086 §5.6.1)
        }
        finishL2(p, l3, EthernetHeader.ETHERTYPE_IPV4, ownMac, nextMac);
        return true;
    }

    private static boolean over6(Packet p, int l3, long srcHi, long srcLo, long dstHi, long dstLo, boolean gue,
                                 int srcPort, int dstPort, int flowLabel, long ownMac, long nextMac) {
        int inner = ipPacketLength(p, l3);
        if (inner < 0) {
            return false;
        }
        boolean innerV4 = p.getByte(l3) >>> 4 == 4;
        int trafficClass = innerV4 ? p.getByte(l3 + Ipv4Header.TOS_OFFSET) : ipv6TrafficClass(p, l3);
        int flow = flowLabel >= 0 ? flowLabel & FLOW_LABEL_MASK : innerV4 ? 0 : p.getInt(l3) & FLOW_LABEL_MASK;
        int added = IPV6_OVERHEAD + (gue ? GUE_OVERHEAD : 0);
        if (!pushOuter(p, l3, added)) {
            return false;
        }
        p.setLength(l3 + added + inner);
        p.setInt(l3, (6 << 28) | (trafficClass << 20) | flow);
        p.setShort(l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET, added - IPV6_OVERHEAD + inner);
        p.setByte(l3 + Ipv6Header.NEXT_HEADER_OFFSET, gue ? IpProtocol.UDP : innerV4 ? IpProtocol.IPV4 : IpProtocol.IPV6);
        p.setByte(l3 + Ipv6Header.HOP_LIMIT_OFFSET, OUTER_TTL);
        p.setLong(l3 + Ipv6Header.SOURCE_OFFSET, srcHi);
        p.setLong(l3 + Ipv6Header.SOURCE_OFFSET + 8, srcLo);
        p.setLong(l3 + Ipv6Header.DESTINATION_OFFSET, dstHi);
        p.setLong(l3 + Ipv6Header.DESTINATION_OFFSET + 8, dstLo);
        if (gue) {
            int udp = l3 + IPV6_OVERHEAD;
            int udpLength = GUE_OVERHEAD + inner;
            p.setInt(udp, (srcPort << 16) | (dstPort & 0xFFFF)); // ports are 16 bits: the shift drops the rest
            p.setShort(udp + UdpHeader.LENGTH_OFFSET, udpLength);
            long base = p.offset();
            Checksums.setL4OverIpv6(p.segment(), base + l3, base + udp, udpLength, IpProtocol.UDP);
        }
        finishL2(p, l3, EthernetHeader.ETHERTYPE_IPV6, ownMac, nextMac);
        return true;
    }

    // ---------------------------------------------------------------- shared pieces (also for IcmpReplies)

    /**
     * Length of the IPv4 or IPv6 packet at {@code l3} as its header says (trailing Ethernet padding
     * excluded), or -1 when there is no IPv4/IPv6 header there or the frame is shorter than that.
     */
    static int ipPacketLength(Packet p, int l3) {
        int available = p.length() - l3;
        if (l3 < EthernetHeader.LENGTH || available < Ipv4Header.MIN_LENGTH) {
            return -1;
        }
        int versionIhl = p.getByte(l3);
        int version = versionIhl >>> 4;
        int length;
        if (version == 4) {
            length = p.getShort(l3 + Ipv4Header.TOTAL_LENGTH_OFFSET);
            if (length < (versionIhl & 0x0F) * 4 || (versionIhl & 0x0F) < 5) {
                return -1;
            }
        } else if (version == 6 && available >= Ipv6Header.LENGTH) {
            length = Ipv6Header.LENGTH + p.getShort(l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET);
        } else {
            return -1;
        }
        return length <= available ? length : -1;
    }

    /**
     * Makes room for {@code added} bytes of headers at {@code l3}: moves the packet's start
     * {@code added} bytes into the headroom and the L2 header ({@code l3} bytes, at most 22) with it.
     * False, nothing changed, when the headroom is shorter.
     */
    static boolean pushOuter(Packet p, int l3, int added) {
        if (!p.prepend(added)) {
            return false;
        }
        MemorySegment s = p.segment();
        long start = p.offset();
        MemorySegment.copy(s, start + added, s, start, l3);
        return true;
    }

    /** Writes a 20-byte IPv4 header at {@code l3}, checksum included. */
    static void writeIpv4(Packet p, int l3, int tos, int totalLength, int identification, boolean dontFragment,
                          int protocol, int src, int dst) {
        p.setInt(l3, 0x4500_0000 | (tos << 16) | totalLength);
        p.setInt(l3 + Ipv4Header.IDENTIFICATION_OFFSET,
                (identification << 16) | (dontFragment ? Ipv4Header.FLAG_DONT_FRAGMENT : 0));
        p.setInt(l3 + Ipv4Header.TTL_OFFSET, (OUTER_TTL << 24) | (protocol << 16)); // checksum 0 while summing
        p.setInt(l3 + Ipv4Header.SOURCE_OFFSET, src);
        p.setInt(l3 + Ipv4Header.DESTINATION_OFFSET, dst);
        Checksums.setIpv4Header(p.segment(), p.offset() + l3);
    }

    /** Sets the last EtherType of the L2 header (just before {@code l3}) and the MACs {@code src -> dst}. */
    private static void finishL2(Packet p, int l3, int etherType, long srcMac, long dstMac) {
        p.setShort(l3 - 2, etherType);
        setMacs(p, srcMac, dstMac);
    }

    static void setMacs(Packet p, long srcMac, long dstMac) {
        p.setShort(EthernetHeader.DESTINATION_OFFSET, (int) (dstMac >>> 32));
        p.setInt(EthernetHeader.DESTINATION_OFFSET + 2, (int) dstMac);
        p.setShort(EthernetHeader.SOURCE_OFFSET, (int) (srcMac >>> 32));
        p.setInt(EthernetHeader.SOURCE_OFFSET + 2, (int) srcMac);
    }

    /** Swaps the destination and source MACs (a reply to the frame's sender). */
    static void swapMacs(Packet p) {
        long dst = ((long) p.getShort(EthernetHeader.DESTINATION_OFFSET) << 32)
                | (p.getInt(EthernetHeader.DESTINATION_OFFSET + 2) & 0xFFFF_FFFFL);
        long src = ((long) p.getShort(EthernetHeader.SOURCE_OFFSET) << 32)
                | (p.getInt(EthernetHeader.SOURCE_OFFSET + 2) & 0xFFFF_FFFFL);
        setMacs(p, dst, src);
    }

    private static int ipv6TrafficClass(Packet p, int l3) {
        return (p.getInt(l3) >>> 20) & 0xFF;
    }
}
