package dev.sluice.drivers.xdp;

import dev.sluice.drivers.xdp.BpfAssembler.Label;

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

/**
 * Bytecode of the steering program: redirects the frames that match a {@link SteeringRule} to the
 * AF_XDP socket of their RX queue and passes everything else to the kernel.
 *
 * <pre>
 * What it parses (offsets from the frame start; one optional tag shifts the rest by 4):
 *
 *   Ethernet    0 dst mac (6)  6 src mac (6)  12 ethertype (2)                          14 bytes
 *   802.1Q/ad  12 TPID 0x8100 or 0x88a8  14 TCI (2)  16 inner ethertype (2)           +4 bytes
 *   IPv4        0 version|IHL  6 flags|fragment offset (2)  9 protocol  16 dst (4)   IHL x 4 bytes
 *   IPv6        0 version|...  6 next header  24 dst (16)                                40 bytes
 *   TCP / UDP   2 dst port (2)                                           read: the first 4 bytes
 *
 * Stack frame (below r10):
 *
 *   fp-32  u32  counter index for the verdict counters
 *   fp-24  20 bytes steering key (layout: SteeringKeyDescriptor), fp-4..fp-1 unused
 *
 * Registers: r6 = ctx (kept across calls), r7 = protocol while parsing, then the verdict,
 *            r8 = counter index, r2 = cursor into the frame, r3 = data_end, r4/r5 scratch.
 * </pre>
 *
 * <p>Verdicts: a rule hit returns {@code bpf_redirect_map(xskmap, ctx->rx_queue_index, XDP_PASS)},
 * i.e. XDP_REDIRECT when the queue's slot holds a socket and XDP_PASS while it does not. Every
 * other frame returns XDP_PASS, including the malformed ones: the program never drops. Each frame
 * increments one counter of {@link XdpCountersDescriptor}.
 *
 * <p>Every packet read is preceded by a comparison of the cursor plus the read's end against
 * data_end, the form the verifier tracks. After the variable IPv4 header length is added to the
 * cursor the verifier forgets the earlier checks, so the transport header gets its own.
 *
 * <p>Cost: a frame that matches no rule does three hash lookups (two for a frame without ports);
 * that is the price every host-bound IP packet pays while the program is attached.
 */
public final class SteeringProgram {
    public static final String NAME = "sluice_steer";

    static final int ETH_HEADER_LENGTH = 14;
    static final int ETH_TYPE_OFFSET = 12;
    static final int VLAN_TAG_LENGTH = 4;
    static final int ETH_TYPE_IPV4 = 0x0800;
    static final int ETH_TYPE_IPV6 = 0x86dd;
    static final int ETH_TYPE_VLAN = 0x8100;
    static final int ETH_TYPE_QINQ = 0x88a8;

    static final int IPV4_MIN_HEADER_LENGTH = 20;
    static final int IPV4_VERSION_IHL_OFFSET = 0;
    static final int IPV4_FRAGMENT_OFFSET = 6;
    static final int IPV4_FRAGMENT_OFFSET_MASK = 0x1fff;
    static final int IPV4_PROTOCOL_OFFSET = 9;
    static final int IPV4_DST_OFFSET = 16;

    static final int IPV6_HEADER_LENGTH = 40;
    static final int IPV6_NEXT_HEADER_OFFSET = 6;
    static final int IPV6_DST_OFFSET = 24;

    static final int L4_DST_PORT_OFFSET = 2;
    static final int L4_PORTS_LENGTH = 4;

    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    /** Where the steering key lives on the stack. */
    static final int KEY = -24;
    static final int KEY_FAMILY = KEY + SteeringKeyDescriptor.FAMILY_OFFSET;
    static final int KEY_PROTOCOL = KEY + SteeringKeyDescriptor.PROTOCOL_OFFSET;
    static final int KEY_PORT = KEY + SteeringKeyDescriptor.PORT_OFFSET;
    static final int COUNTER_KEY = -32;

    private SteeringProgram() {
    }

    public static byte[] emit(int xskMapFd, int rulesMapFd, int countersMapFd) {
        BpfAssembler a = new BpfAssembler();
        Label vlan = a.newLabel("vlan");
        Label network = a.newLabel("network");
        Label ipv4 = a.newLabel("ipv4");
        Label ipv4Ports = a.newLabel("ipv4_ports");
        Label ipv6 = a.newLabel("ipv6");
        Label ipv6Ports = a.newLabel("ipv6_ports");
        Label ports = a.newLabel("ports");
        Label lookup = a.newLabel("lookup");
        Label byProtocol = a.newLabel("by_protocol");
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

        // Ethernet, then at most one VLAN tag; r5 = ethertype in host order.
        a.mov(R4, R2).add(R4, ETH_HEADER_LENGTH).jgt(R4, R3, malformed)
                .ldxH(R5, R2, ETH_TYPE_OFFSET).be16(R5)
                .jeq(R5, ETH_TYPE_VLAN, vlan)
                .jeq(R5, ETH_TYPE_QINQ, vlan)
                .ja(network);
        a.bind(vlan)
                .mov(R4, R2).add(R4, ETH_HEADER_LENGTH + VLAN_TAG_LENGTH).jgt(R4, R3, malformed)
                .ldxH(R5, R2, ETH_TYPE_OFFSET + VLAN_TAG_LENGTH).be16(R5)
                .add(R2, VLAN_TAG_LENGTH);
        a.bind(network)
                .add(R2, ETH_HEADER_LENGTH)
                .jeq(R5, ETH_TYPE_IPV4, ipv4)
                .jeq(R5, ETH_TYPE_IPV6, ipv6)
                .ja(notIp);

        // IPv4: version 4, IHL 5..15 (r5 = header length in bytes), dst and protocol into the key.
        a.bind(ipv4)
                .mov(R4, R2).add(R4, IPV4_MIN_HEADER_LENGTH).jgt(R4, R3, malformed)
                .ldxB(R5, R2, IPV4_VERSION_IHL_OFFSET)
                .mov(R4, R5).rsh(R4, 4).jne(R4, 4, malformed)
                .and(R5, 0x0f).jlt(R5, 5, malformed).lsh(R5, 2)
                .ldxW(R4, R2, IPV4_DST_OFFSET).stxW(FP, KEY, R4)
                .stB(FP, KEY_FAMILY, SteeringKeyDescriptor.FAMILY_IPV4)
                .ldxB(R7, R2, IPV4_PROTOCOL_OFFSET).stxB(FP, KEY_PROTOCOL, R7)
                // A non-first fragment has no transport header: leave the port 0.
                .ldxH(R4, R2, IPV4_FRAGMENT_OFFSET).be16(R4).and(R4, IPV4_FRAGMENT_OFFSET_MASK)
                .jne(R4, 0, lookup)
                .jeq(R7, IPPROTO_TCP, ipv4Ports)
                .jeq(R7, IPPROTO_UDP, ipv4Ports)
                .ja(lookup);
        a.bind(ipv4Ports)
                .add(R2, R5)
                .ja(ports);

        // IPv6: fixed header only; the next header is the protocol of the key.
        a.bind(ipv6)
                .mov(R4, R2).add(R4, IPV6_HEADER_LENGTH).jgt(R4, R3, malformed)
                .ldxB(R5, R2, 0).rsh(R5, 4).jne(R5, 6, malformed)
                .ldxDW(R4, R2, IPV6_DST_OFFSET).stxDW(FP, KEY, R4)
                .ldxDW(R4, R2, IPV6_DST_OFFSET + 8).stxDW(FP, KEY + 8, R4)
                .stB(FP, KEY_FAMILY, SteeringKeyDescriptor.FAMILY_IPV6)
                .ldxB(R7, R2, IPV6_NEXT_HEADER_OFFSET).stxB(FP, KEY_PROTOCOL, R7)
                .jeq(R7, IPPROTO_TCP, ipv6Ports)
                .jeq(R7, IPPROTO_UDP, ipv6Ports)
                .ja(lookup);
        a.bind(ipv6Ports)
                .add(R2, IPV6_HEADER_LENGTH);

        // TCP/UDP: the destination port, kept in network order as the key wants it.
        a.bind(ports)
                .mov(R4, R2).add(R4, L4_PORTS_LENGTH).jgt(R4, R3, malformed)
                .ldxH(R4, R2, L4_DST_PORT_OFFSET).stxH(FP, KEY_PORT, R4);

        // Lookups, most specific first; a key without a port starts at the second.
        a.bind(lookup)
                .ldxH(R4, FP, KEY_PORT).jeq(R4, 0, byProtocol);
        lookupRule(a, rulesMapFd).jne(R0, 0, match)
                .stH(FP, KEY_PORT, 0);
        a.bind(byProtocol);
        lookupRule(a, rulesMapFd).jne(R0, 0, match)
                .stB(FP, KEY_PROTOCOL, 0);
        lookupRule(a, rulesMapFd).jne(R0, 0, match)
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
