package dev.sluice.drivers.xdp;

import dev.sluice.drivers.xdp.BpfAssembler.Label;
import dev.sluice.proto.EthernetHeader;
import dev.sluice.proto.HeaderWalk;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Icmpv6Header;

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
 * Bytecode of the redirect program: every frame of a queue goes to the AF_XDP socket in the
 * queue's XSKMAP slot (or to the kernel, XDP_PASS, while the slot is empty), except the frames
 * that keep the host's neighbour tables alive, which always go to the kernel:
 *
 * <ul>
 *   <li>ARP (EtherType 0x0806), tagged or not;</li>
 *   <li>ICMPv6 router and neighbour discovery (types 133 to 137: RS, RA, NS, NA, Redirect),
 *       found with the {@link dev.sluice.proto.HeaderWalk} (extension headers walked).</li>
 * </ul>
 *
 * Without them a kernel peer on the link cannot resolve the interface's address again once its
 * neighbour entry expires, and its traffic stops. Frames that the walk refuses are redirected:
 * what is not ARP or neighbour discovery belongs to the socket.
 *
 * <pre>
 * r6 = ctx; r2 = data; r3 = data_end; walk Ethernet (r5 = EtherType)
 * ARP                                  → XDP_PASS
 * IPv6 → ICMPv6 (not a later fragment) → type 133..137 → XDP_PASS
 * anything else: r2 = ctx->rx_queue_index; r1 = &amp;xskmap; r3 = XDP_PASS; call bpf_redirect_map
 * </pre>
 */
public final class RedirectAllProgram {
    public static final String NAME = "sluice_redirect";

    /** The ICMPv6 types passed to the kernel: Router Solicitation .. Redirect (RFC 4861). */
    static final int FIRST_NEIGHBOUR_DISCOVERY_TYPE = Icmpv6Header.ROUTER_SOLICITATION;
    static final int LAST_NEIGHBOUR_DISCOVERY_TYPE = Icmpv6Header.REDIRECT;

    private RedirectAllProgram() {
    }

    public static byte[] emit(int xskMapFd) {
        BpfAssembler a = new BpfAssembler();
        Label ipv6 = a.newLabel("ipv6");
        Label pass = a.newLabel("pass");
        Label redirect = a.newLabel("redirect");

        a.mov(R6, R1)
                .ldxW(R2, R6, XdpMdDescriptor.DATA_OFFSET)
                .ldxW(R3, R6, XdpMdDescriptor.DATA_END_OFFSET);
        EmittedHeaderWalk.ethernet(a, redirect, redirect);
        a.jeq(R5, EthernetHeader.ETHERTYPE_ARP, pass)
                .jeq(R5, EthernetHeader.ETHERTYPE_IPV6, ipv6)
                .ja(redirect);

        a.bind(ipv6);
        EmittedHeaderWalk.ipv6Header(a, redirect);
        EmittedHeaderWalk.ipv6Extensions(a, redirect);
        a.jset(R0, EmittedHeaderWalk.LATER_FRAGMENT, redirect)
                .jne(R7, IpProtocol.ICMPV6, redirect)
                .mov(R8, R9).add(R8, HeaderWalk.ICMP_MIN_LENGTH).jgt(R8, R1, redirect)
                .mov(R4, R2).add(R4, R9)
                .mov(R8, R4).add(R8, HeaderWalk.ICMP_MIN_LENGTH).jgt(R8, R3, redirect)
                .ldxB(R5, R4, Icmpv6Header.TYPE_OFFSET)
                .jlt(R5, FIRST_NEIGHBOUR_DISCOVERY_TYPE, redirect)
                .jgt(R5, LAST_NEIGHBOUR_DISCOVERY_TYPE, redirect);
        a.bind(pass)
                .mov(R0, XdpAction.PASS)
                .exit();

        a.bind(redirect)
                .ldxW(R2, R6, XdpMdDescriptor.RX_QUEUE_INDEX_OFFSET)
                .ldMapFd(R1, xskMapFd)
                .mov(R3, XdpAction.PASS)
                .call(BpfHelper.REDIRECT_MAP)
                .exit();
        return a.build();
    }
}
