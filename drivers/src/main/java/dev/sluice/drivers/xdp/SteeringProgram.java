package dev.sluice.drivers.xdp;

import dev.sluice.drivers.xdp.BpfAssembler.Label;
import dev.sluice.proto.EthernetHeader;
import dev.sluice.proto.IcmpHeader;
import dev.sluice.proto.Icmpv6Header;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6Header;
import dev.sluice.proto.UdpHeader;

import static dev.sluice.drivers.xdp.BpfRegister.FP;
import static dev.sluice.drivers.xdp.BpfRegister.R0;
import static dev.sluice.drivers.xdp.BpfRegister.R1;
import static dev.sluice.drivers.xdp.BpfRegister.R2;
import static dev.sluice.drivers.xdp.BpfRegister.R3;
import static dev.sluice.drivers.xdp.BpfRegister.R4;
import static dev.sluice.drivers.xdp.BpfRegister.R5;
import static dev.sluice.drivers.xdp.BpfRegister.R6;
import static dev.sluice.drivers.xdp.BpfRegister.R7;
import static dev.sluice.drivers.xdp.BpfRegister.R8;
import static dev.sluice.drivers.xdp.BpfRegister.R9;

/**
 * Bytecode of the steering program: redirects the frames that a {@link SteeringRule} takes to the
 * AF_XDP socket of their RX queue and passes everything else to the kernel. What each kind of rule
 * takes is the table of {@link SteeringRule}; the map entries behind it are in
 * {@link SteeringKeyDescriptor}.
 *
 * <pre>
 * What it parses: {@link dev.sluice.proto.HeaderWalk}, emitted by {@link EmittedHeaderWalk}:
 *   Ethernet, up to two 802.1Q/802.1ad tags (a third: not IP)
 *   IPv4 with IHL, Total Length and fragment checks; IPv6 and its extension headers
 *   TCP/UDP header checks, then the destination port; none in a non-first fragment
 *   ICMP/ICMPv6: the header's length, then its type (and for ICMP type 3, its code)
 * The key takes the destination address, the L4 protocol (IPv6: after the extension headers) and
 * the destination port as on the wire. The packet's class is the set of entry flags that take it:
 *
 *   TCP/UDP with ports, any other packet                      MATCH_ALL
 *   non-first fragment (IPv4 offset != 0; IPv6 Fragment)      MATCH_ALL | MATCH_LATER_FRAGMENTS
 *   ICMP 8, ICMP 3/4, ICMPv6 128, ICMPv6 2 (not a fragment)   MATCH_ALL | MATCH_VIP_ICMP
 *
 * Lookups, widest last: {address, protocol, port} (only with a port; any entry matches),
 * {address, protocol, 0}, {address, 0, 0}: a hit whose flags share a bit with the class matches.
 *
 * Stack frame (below r10):
 *
 *   fp-32  u32  counter index for the verdict counters
 *   fp-24  20 bytes steering key (layout: SteeringKeyDescriptor), fp-4..fp-1 unused
 *
 * Registers: r6 = ctx (kept across calls), r7 = protocol while parsing, then the verdict,
 *            r8 = counter index, r9 = the class during the lookups (after the walk, whose own
 *            registers are in EmittedHeaderWalk).
 * </pre>
 *
 * <p>Verdicts: a rule hit returns {@code bpf_redirect_map(xskmap, ctx->rx_queue_index, XDP_PASS)},
 * i.e. XDP_REDIRECT when the queue's slot holds a socket and XDP_PASS while it does not. Every
 * other frame returns XDP_PASS, including the ones the walk refuses: the program never drops. Each
 * frame increments one counter of {@link XdpCountersDescriptor}: a frame the parser would call
 * TRUNCATED or MALFORMED counts as MALFORMED, one it would call UNSUPPORTED (or ARP) as NOT_IP.
 *
 * <p>Cost: a frame that matches no rule does three hash lookups (two for a frame without ports);
 * that is the price every host-bound IP packet pays while the program is attached.
 */
public final class SteeringProgram {
    public static final String NAME = "sluice_steer";

    /** Where the steering key lives on the stack. */
    static final int KEY = -24;
    static final int KEY_FAMILY = KEY + SteeringKeyDescriptor.FAMILY_OFFSET;
    static final int KEY_PROTOCOL = KEY + SteeringKeyDescriptor.PROTOCOL_OFFSET;
    static final int KEY_PORT = KEY + SteeringKeyDescriptor.PORT_OFFSET;
    static final int COUNTER_KEY = -32;
    /** ICMP destination unreachable code 4: fragmentation needed and DF set (RFC 792, RFC 1191). */
    static final int FRAGMENTATION_NEEDED = 4;

    private SteeringProgram() {
    }

    public static byte[] emit(int xskMapFd, int rulesMapFd, int countersMapFd) {
        BpfAssembler a = new BpfAssembler();
        Label ipv4 = a.newLabel("ipv4");
        Label ipv6 = a.newLabel("ipv6");
        Label ports = a.newLabel("ports");
        Label noPorts4 = a.newLabel("no_ports4");
        Label noPorts6 = a.newLabel("no_ports6");
        Label laterFragment = a.newLabel("later_fragment");
        Label vipIcmp = a.newLabel("vip_icmp");
        Label plain = a.newLabel("plain");
        Label lookup = a.newLabel("lookup");
        Label byProtocol = a.newLabel("by_protocol");
        Label byAddress = a.newLabel("by_address");
        Label notMatched = a.newLabel("not_matched");
        Label match = a.newLabel("match");
        Label notIp = a.newLabel("not_ip");
        Label malformed = a.newLabel("malformed");
        Label pass = a.newLabel("pass");
        Label count = a.newLabel("count");
        Label out = a.newLabel("out");

        // Entry: keep ctx, load the frame bounds, zero the key (the hash covers all 20 bytes).
        a.mov(R6, R1)
                .ldxW(R2, R6, XdpMdDescriptor.DATA_OFFSET)
                .ldxW(R3, R6, XdpMdDescriptor.DATA_END_OFFSET)
                .stDW(FP, KEY, 0)
                .stDW(FP, KEY + 8, 0)
                .stW(FP, KEY + 16, 0);

        EmittedHeaderWalk.ethernet(a, malformed, notIp);
        a.jeq(R5, EthernetHeader.ETHERTYPE_IPV4, ipv4)
                .jeq(R5, EthernetHeader.ETHERTYPE_IPV6, ipv6)
                .ja(notIp);

        a.bind(ipv4);
        EmittedHeaderWalk.ipv4(a, malformed);
        a.ldxW(R5, R4, Ipv4Header.DESTINATION_OFFSET).stxW(FP, KEY, R5)
                .stB(FP, KEY_FAMILY, SteeringKeyDescriptor.FAMILY_IPV4)
                .stxB(FP, KEY_PROTOCOL, R7);
        EmittedHeaderWalk.transport(a, malformed, noPorts4, IpProtocol.ICMP);
        a.ja(ports);

        a.bind(ipv6);
        EmittedHeaderWalk.ipv6Header(a, malformed);
        a.ldxDW(R5, R4, Ipv6Header.DESTINATION_OFFSET).stxDW(FP, KEY, R5)
                .ldxDW(R5, R4, Ipv6Header.DESTINATION_OFFSET + 8).stxDW(FP, KEY + 8, R5)
                .stB(FP, KEY_FAMILY, SteeringKeyDescriptor.FAMILY_IPV6);
        EmittedHeaderWalk.ipv6Extensions(a, malformed);
        a.stxB(FP, KEY_PROTOCOL, R7);
        EmittedHeaderWalk.transport(a, malformed, noPorts6, IpProtocol.ICMPV6);

        // TCP/UDP: the destination port, kept in network order as the key wants it; class: none.
        a.bind(ports)
                .ldxH(R5, R4, UdpHeader.DESTINATION_PORT_OFFSET).stxH(FP, KEY_PORT, R5)
                .ja(plain);

        // No ports. The class (r9) says which flags besides MATCH_ALL take the packet: a later
        // fragment, or one of the ICMP messages of a VIP. transport() checked an ICMP header's
        // length against the datagram; the pointer checks are for the verifier.
        a.bind(noPorts4)
                .jset(R0, EmittedHeaderWalk.LATER_FRAGMENT, laterFragment)
                .jne(R7, IpProtocol.ICMP, plain)
                .mov(R4, R2).add(R4, R9)
                .mov(R8, R4).add(R8, IcmpHeader.LENGTH).jgt(R8, R3, malformed)
                .ldxB(R5, R4, IcmpHeader.TYPE_OFFSET)
                .jeq(R5, IcmpHeader.ECHO_REQUEST, vipIcmp)
                .jne(R5, IcmpHeader.DESTINATION_UNREACHABLE, plain)
                .ldxB(R5, R4, IcmpHeader.CODE_OFFSET)
                .jeq(R5, FRAGMENTATION_NEEDED, vipIcmp)
                .ja(plain);
        a.bind(noPorts6)
                .jset(R0, EmittedHeaderWalk.LATER_FRAGMENT, laterFragment)
                .jne(R7, IpProtocol.ICMPV6, plain)
                .mov(R4, R2).add(R4, R9)
                .mov(R8, R4).add(R8, Icmpv6Header.LENGTH).jgt(R8, R3, malformed)
                .ldxB(R5, R4, Icmpv6Header.TYPE_OFFSET)
                .jeq(R5, Icmpv6Header.ECHO_REQUEST, vipIcmp)
                .jeq(R5, Icmpv6Header.PACKET_TOO_BIG, vipIcmp)
                .ja(plain);
        a.bind(laterFragment)
                .mov(R9, SteeringKeyDescriptor.MATCH_ALL | SteeringKeyDescriptor.MATCH_LATER_FRAGMENTS)
                .ja(lookup);
        a.bind(vipIcmp)
                .mov(R9, SteeringKeyDescriptor.MATCH_ALL | SteeringKeyDescriptor.MATCH_VIP_ICMP)
                .ja(lookup);
        a.bind(plain)
                .mov(R9, SteeringKeyDescriptor.MATCH_ALL);

        // Lookups, most specific first; a key without a port starts at the second. From here on
        // r9 holds the flags that take this packet (callee-saved across the helper calls).
        a.bind(lookup)
                .ldxH(R4, FP, KEY_PORT).jeq(R4, 0, byProtocol);
        lookupRule(a, rulesMapFd).jne(R0, 0, match) // an entry with a port is always MATCH_ALL
                .stH(FP, KEY_PORT, 0);
        a.bind(byProtocol);
        lookupRule(a, rulesMapFd).jeq(R0, 0, byAddress)
                .ldxW(R4, R0, SteeringKeyDescriptor.FLAGS_OFFSET).and(R4, R9).jne(R4, 0, match);
        a.bind(byAddress)
                .stB(FP, KEY_PROTOCOL, 0);
        lookupRule(a, rulesMapFd).jeq(R0, 0, notMatched)
                .ldxW(R4, R0, SteeringKeyDescriptor.FLAGS_OFFSET).and(R4, R9).jne(R4, 0, match);
        a.bind(notMatched)
                .mov(R8, XdpCountersDescriptor.NOT_MATCHED)
                .ja(pass);

        // A rule matched: hand the frame to the socket of its queue, if there is one.
        a.bind(match)
                .ldxW(R2, R6, XdpMdDescriptor.RX_QUEUE_INDEX_OFFSET)
                .ldMapFd(R1, xskMapFd)
                .mov(R3, XdpAction.PASS)
                .call(BpfHelper.REDIRECT_MAP)
                .mov(R7, R0)
                .mov(R8, XdpCountersDescriptor.REDIRECTED)
                .jeq(R0, XdpAction.REDIRECT, count)
                .mov(R8, XdpCountersDescriptor.NO_SOCKET)
                .ja(count);

        a.bind(notIp)
                .mov(R8, XdpCountersDescriptor.NOT_IP)
                .ja(pass);
        a.bind(malformed)
                .mov(R8, XdpCountersDescriptor.MALFORMED);
        a.bind(pass)
                .mov(R7, XdpAction.PASS);

        // Count the verdict in this CPU's slot (no atomic needed), then return it.
        a.bind(count)
                .stxW(FP, COUNTER_KEY, R8)
                .ldMapFd(R1, countersMapFd)
                .mov(R2, FP).add(R2, COUNTER_KEY)
                .call(BpfHelper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, out)
                .ldxDW(R1, R0, 0).add(R1, 1).stxDW(R0, 0, R1);
        a.bind(out)
                .mov(R0, R7)
                .exit();
        return a.build();
    }

    /** r0 = bpf_map_lookup_elem(rules, fp + KEY). */
    private static BpfAssembler lookupRule(BpfAssembler a, int rulesMapFd) {
        return a.ldMapFd(R1, rulesMapFd)
                .mov(R2, FP).add(R2, KEY)
                .call(BpfHelper.MAP_LOOKUP_ELEM);
    }
}
