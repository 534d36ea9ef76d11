package dev.sluice.drivers.xdp;

import dev.sluice.drivers.xdp.BpfAssembler.Label;
import dev.sluice.proto.EthernetHeader;
import dev.sluice.proto.HeaderWalk;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6ExtensionHeader;
import dev.sluice.proto.Ipv6Header;
import dev.sluice.proto.TcpHeader;
import dev.sluice.proto.UdpHeader;
import dev.sluice.proto.VlanTag;

import static dev.sluice.drivers.xdp.BpfRegister.R0;
import static dev.sluice.drivers.xdp.BpfRegister.R1;
import static dev.sluice.drivers.xdp.BpfRegister.R2;
import static dev.sluice.drivers.xdp.BpfRegister.R3;
import static dev.sluice.drivers.xdp.BpfRegister.R4;
import static dev.sluice.drivers.xdp.BpfRegister.R5;
import static dev.sluice.drivers.xdp.BpfRegister.R7;
import static dev.sluice.drivers.xdp.BpfRegister.R8;
import static dev.sluice.drivers.xdp.BpfRegister.R9;

/**
 * {@link HeaderWalk} in eBPF: the same steps, the same checks, the same constants (proto's header
 * layouts, {@link HeaderWalk#MAX_VLAN_TAGS}, {@link HeaderWalk#MAX_IPV6_EXTENSION_HEADERS},
 * {@link IpProtocol#isIpv6ExtensionHeader}), so that an XDP program and the user-space parser
 * classify every frame alike. A step jumps to a label of the caller when the frame fails a check
 * (which check does not matter to a program) and falls through otherwise.
 *
 * <pre>
 * Registers (kept by the caller for the walk; no helper is called in between):
 *   r2  data: the first byte of the frame              r3  data_end
 *   r9  frame-relative offset of the current header (a scalar the verifier bounds)
 *   r5  after {@link #ethernet}: the EtherType after the tags
 *   r4  after {@link #ipv4} / {@link #ipv6Header}: pointer to the IP header (20 / 40 bytes checked);
 *       after {@link #transport}: pointer to the TCP/UDP header (its ports checked)
 *   r1  after an IP step: frame-relative end of the IP datagram
 *   r7  after an IP step: the protocol (IPv6: after {@link #ipv6Extensions}, the L4 protocol)
 *   r0  after an IP step: {@link #FRAGMENT} | {@link #LATER_FRAGMENT}
 *   r8  scratch
 * </pre>
 *
 * <p>Every packet read is preceded by a comparison of its pointer plus the read's end against
 * data_end, the form the verifier tracks; the IP-length bounds are scalar comparisons on top.
 */
final class EmittedHeaderWalk {
    /** r0 bits after an IP step. */
    static final int FRAGMENT = 1;
    static final int LATER_FRAGMENT = 2;

    private EmittedHeaderWalk() {
    }

    /**
     * Ethernet and up to {@link HeaderWalk#MAX_VLAN_TAGS} tags with the TPIDs of
     * {@link HeaderWalk#isVlanTpid}: r9 = L3 offset, r5 = EtherType. Jumps to {@code truncated}
     * when a header does not fit, to {@code tooManyTags} on a tag beyond the policy.
     */
    static void ethernet(BpfAssembler a, Label truncated, Label tooManyTags) {
        Label done = a.newLabel("l2_done");
        a.mov(R4, R2).add(R4, EthernetHeader.LENGTH).jgt(R4, R3, truncated)
                .ldxH(R5, R2, EthernetHeader.ETHERTYPE_OFFSET).be16(R5)
                .mov(R9, EthernetHeader.LENGTH);
        for (int tags = 0; tags <= HeaderWalk.MAX_VLAN_TAGS; tags++) {
            Label tagged = a.newLabel("tag" + tags);
            a.jeq(R5, VlanTag.TPID_8021Q, tagged)
                    .jeq(R5, VlanTag.TPID_8021AD, tagged)
                    .ja(done);
            a.bind(tagged);
            if (tags == HeaderWalk.MAX_VLAN_TAGS) {
                a.ja(tooManyTags);
            } else {
                int l3 = HeaderWalk.l3Offset(tags + 1);
                a.mov(R4, R2).add(R4, l3).jgt(R4, R3, truncated)
                        .ldxH(R5, R2, l3 - VlanTag.LENGTH + VlanTag.INNER_ETHERTYPE_OFFSET).be16(R5)
                        .mov(R9, l3);
            }
        }
        a.bind(done);
    }

    /**
     * The IPv4 header at r9: version, IHL (at least 5, inside the frame), Total Length (at least
     * the header, inside the frame), reserved flag clear, fragment within 65535 bytes. Leaves
     * r4, r1, r7, r0 as documented above and r9 = the L4 offset.
     */
    static void ipv4(BpfAssembler a, Label malformed) {
        Label moreFragments = a.newLabel("ipv4_mf");
        Label firstFragment = a.newLabel("ipv4_first");
        Label offsetDone = a.newLabel("ipv4_offset_done");
        a.mov(R4, R2).add(R4, R9)
                .mov(R8, R4).add(R8, Ipv4Header.MIN_LENGTH).jgt(R8, R3, malformed)
                .ldxB(R5, R4, Ipv4Header.VERSION_IHL_OFFSET)
                .mov(R8, R5).rsh(R8, 4).jne(R8, 4, malformed)
                .and(R5, 0x0F).jlt(R5, Ipv4Header.MIN_LENGTH / 4, malformed).lsh(R5, 2)
                .mov(R8, R4).add(R8, R5).jgt(R8, R3, malformed)
                .ldxH(R1, R4, Ipv4Header.TOTAL_LENGTH_OFFSET).be16(R1)
                .jgt(R5, R1, malformed)
                .mov(R8, R4).add(R8, R1).jgt(R8, R3, malformed)
                .ldxB(R7, R4, Ipv4Header.PROTOCOL_OFFSET)
                .mov(R0, 0)
                .ldxH(R8, R4, Ipv4Header.FLAGS_FRAGMENT_OFFSET).be16(R8)
                .jset(R8, Ipv4Header.FLAG_RESERVED, malformed)
                .jset(R8, Ipv4Header.FLAG_MORE_FRAGMENTS, moreFragments)
                .ja(offsetDone);
        a.bind(moreFragments)
                .mov(R0, FRAGMENT);
        a.bind(offsetDone)
                .and(R8, Ipv4Header.FRAGMENT_OFFSET_MASK)
                .jeq(R8, 0, firstFragment)
                .mov(R0, FRAGMENT | LATER_FRAGMENT);
        a.bind(firstFragment)
                // offset * 8 + Total Length - header length must stay within 65535
                .lsh(R8, 3).add(R8, R1).sub(R8, R5).jgt(R8, 0xFFFF, malformed)
                .add(R1, R9)
                .add(R9, R5);
    }

    /**
     * The fixed IPv6 header at r9: version, Payload Length inside the frame. Leaves r4 (40 bytes),
     * r1, r7 = its Next Header, r0 = 0, r9 = the offset after it.
     */
    static void ipv6Header(BpfAssembler a, Label malformed) {
        a.mov(R4, R2).add(R4, R9)
                .mov(R8, R4).add(R8, Ipv6Header.LENGTH).jgt(R8, R3, malformed)
                .ldxB(R5, R4, Ipv6Header.VERSION_CLASS_FLOW_OFFSET).rsh(R5, 4).jne(R5, 6, malformed)
                .ldxH(R1, R4, Ipv6Header.PAYLOAD_LENGTH_OFFSET).be16(R1)
                .add(R1, Ipv6Header.LENGTH).add(R1, R9)
                .mov(R8, R2).add(R8, R1).jgt(R8, R3, malformed)
                .ldxB(R7, R4, Ipv6Header.NEXT_HEADER_OFFSET)
                .mov(R0, 0)
                .add(R9, Ipv6Header.LENGTH);
    }

    /**
     * The extension headers from r9 (after {@link #ipv6Header}): at most
     * {@link HeaderWalk#MAX_IPV6_EXTENSION_HEADERS}, each inside the datagram, Hop-by-Hop only
     * first; the walk stops after a non-first Fragment header. Unrolled: the verifier sees a
     * bounded walk. Leaves r7 = the L4 protocol, r9 = its offset, r0 = fragment bits.
     */
    static void ipv6Extensions(BpfAssembler a, Label malformed) {
        Label done = a.newLabel("ext_done");
        Label next = a.newLabel("ext0");
        for (int i = 0; i <= HeaderWalk.MAX_IPV6_EXTENSION_HEADERS; i++) {
            a.bind(next);
            next = a.newLabel("ext" + (i + 1));
            Label header = a.newLabel("ext" + i + "_header"); // unused in the last round
            for (int type = 0; type < 256; type++) {
                if (IpProtocol.isIpv6ExtensionHeader(type)) {
                    boolean refused = i == HeaderWalk.MAX_IPV6_EXTENSION_HEADERS || (type == IpProtocol.HOPOPT && i != 0);
                    a.jeq(R7, type, refused ? malformed : header);
                }
            }
            a.ja(done);
            if (i == HeaderWalk.MAX_IPV6_EXTENSION_HEADERS) {
                break; // one header more than the chain may hold went to malformed above
            }
            a.bind(header);
            Label fragment = a.newLabel("ext" + i + "_fragment");
            Label authentication = a.newLabel("ext" + i + "_ah");
            Label advance = a.newLabel("ext" + i + "_advance");
            Label firstFragment = a.newLabel("ext" + i + "_first");
            a.mov(R8, R9).add(R8, Ipv6ExtensionHeader.MIN_LENGTH).jgt(R8, R1, malformed)
                    .mov(R4, R2).add(R4, R9)
                    .mov(R8, R4).add(R8, Ipv6ExtensionHeader.MIN_LENGTH).jgt(R8, R3, malformed)
                    .jeq(R7, IpProtocol.FRAGMENT, fragment)
                    .ldxB(R5, R4, Ipv6ExtensionHeader.LENGTH_OFFSET)
                    .jeq(R7, IpProtocol.AH, authentication)
                    .add(R5, 1).lsh(R5, 3) // (Hdr Ext Len + 1) * 8, as Ipv6ExtensionHeader.length
                    .ja(advance);
            a.bind(authentication)
                    .add(R5, 2).lsh(R5, 2); // (Payload Len + 2) * 4
            a.bind(advance)
                    .mov(R8, R9).add(R8, R5).jgt(R8, R1, malformed)
                    .ldxB(R7, R4, Ipv6ExtensionHeader.NEXT_HEADER_OFFSET)
                    .add(R9, R5)
                    .ja(next);
            a.bind(fragment)
                    .ldxH(R5, R4, Ipv6ExtensionHeader.FRAGMENT_OFFSET_FIELD_OFFSET).be16(R5)
                    .ldxB(R7, R4, Ipv6ExtensionHeader.NEXT_HEADER_OFFSET)
                    .add(R9, Ipv6ExtensionHeader.FRAGMENT_LENGTH)
                    .mov(R8, R5).and(R8, Ipv6ExtensionHeader.FRAGMENT_OFFSET_MASK)
                    .jeq(R8, 0, firstFragment)
                    .mov(R0, FRAGMENT | LATER_FRAGMENT)
                    .ja(done); // what follows a non-first fragment header is data
            a.bind(firstFragment)
                    .and(R5, Ipv6ExtensionHeader.FRAGMENT_MORE)
                    .jeq(R5, 0, next) // an atomic fragment is a whole datagram
                    .mov(R0, FRAGMENT)
                    .ja(next);
        }
        a.bind(done);
    }

    /**
     * The L4 header at r9 of the datagram ending at r1, as {@link HeaderWalk#transport}: jumps to
     * {@code noPorts} for a non-first fragment and for protocols without ports (after checking an
     * {@code icmpProtocol} header's length), to {@code malformed} when a header fails; falls
     * through with r4 = the TCP/UDP header, its ports readable.
     */
    static void transport(BpfAssembler a, Label malformed, Label noPorts, int icmpProtocol) {
        Label tcp = a.newLabel("tcp");
        Label udp = a.newLabel("udp");
        Label icmp = a.newLabel("icmp");
        Label ports = a.newLabel("ports_ok");
        a.jset(R0, LATER_FRAGMENT, noPorts)
                .mov(R4, R2).add(R4, R9)
                .jeq(R7, IpProtocol.TCP, tcp)
                .jeq(R7, IpProtocol.UDP, udp)
                .jeq(R7, icmpProtocol, icmp)
                .ja(noPorts);
        a.bind(tcp)
                .mov(R8, R9).add(R8, TcpHeader.MIN_LENGTH).jgt(R8, R1, malformed)
                .mov(R8, R4).add(R8, TcpHeader.MIN_LENGTH).jgt(R8, R3, malformed)
                .ldxB(R5, R4, TcpHeader.DATA_OFFSET_OFFSET).rsh(R5, 4)
                .jlt(R5, TcpHeader.MIN_LENGTH / 4, malformed).lsh(R5, 2)
                .add(R5, R9).jgt(R5, R1, malformed)
                .ja(ports);
        a.bind(udp)
                .mov(R8, R9).add(R8, UdpHeader.LENGTH).jgt(R8, R1, malformed)
                .mov(R8, R4).add(R8, UdpHeader.LENGTH).jgt(R8, R3, malformed)
                .ldxH(R5, R4, UdpHeader.LENGTH_OFFSET).be16(R5)
                .jlt(R5, UdpHeader.LENGTH, malformed)
                .jset(R0, FRAGMENT, ports) // a first fragment holds part of what UDP Length describes
                .add(R5, R9).jgt(R5, R1, malformed)
                .ja(ports);
        a.bind(icmp)
                .mov(R8, R9).add(R8, HeaderWalk.ICMP_MIN_LENGTH).jgt(R8, R1, malformed)
                .ja(noPorts);
        a.bind(ports);
    }
}
