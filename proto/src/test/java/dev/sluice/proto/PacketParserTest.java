package dev.sluice.proto;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.ReferenceChecksum;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.sluice.testing.FrameBuilder.IP6_A;
import static dev.sluice.testing.FrameBuilder.IP6_B;
import static dev.sluice.testing.FrameBuilder.IP_A;
import static dev.sluice.testing.FrameBuilder.IP_B;
import static dev.sluice.testing.FrameBuilder.MAC_A;
import static org.assertj.core.api.Assertions.assertThat;

class PacketParserTest {
    private final PacketParser p = new PacketParser();

    private int parse(byte[] frame) {
        ExactSegment s = ExactSegment.of(frame);
        return p.parse(s.frame, 0, frame.length);
    }

    @Test
    void udpOverIpv4() {
        byte[] f = SampleFrames.udp4();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.etherType()).isEqualTo(0x0800);
        assertThat(p.vlanCount()).isZero();
        assertThat(p.vlanId()).isEqualTo(-1);
        assertThat(p.l3Offset()).isEqualTo(14);
        assertThat(p.ipVersion()).isEqualTo(4);
        assertThat(p.ipHeaderLength()).isEqualTo(20);
        assertThat(p.ipv4OptionsLength()).isZero();
        assertThat(p.l3Length()).isEqualTo(20 + 8 + 33);
        assertThat(p.ipv4Source()).isEqualTo(IP_A);
        assertThat(p.ipv4Destination()).isEqualTo(IP_B);
        assertThat(p.ttl()).isEqualTo(64);
        assertThat(p.l4Protocol()).isEqualTo(17);
        assertThat(p.l4Offset()).isEqualTo(34);
        assertThat(p.l4Length()).isEqualTo(41);
        assertThat(p.sourcePort()).isEqualTo(40000);
        assertThat(p.destinationPort()).isEqualTo(53);
        assertThat(p.payloadOffset()).isEqualTo(42);
        assertThat(p.payloadLength()).isEqualTo(33);
        assertThat(p.isFragment()).isFalse();
        assertThat(p.trailerLength()).isZero();
        assertThat(p.ipv4HeaderChecksumValid()).isTrue();
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(34 + 6);
        assertThat(p.icmpType()).isEqualTo(-1);
    }

    @Test
    void tcpOverIpv4WithOptions() {
        byte[] f = SampleFrames.tcp4WithOptions();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.ipHeaderLength()).isEqualTo(28);
        assertThat(p.ipv4OptionsLength()).isEqualTo(8);
        assertThat(p.l4Offset()).isEqualTo(14 + 28);
        assertThat(p.sourcePort()).isEqualTo(51000);
        assertThat(p.destinationPort()).isEqualTo(80);
        assertThat(p.tcpFlags()).isEqualTo(TcpHeader.SYN | TcpHeader.ACK);
        assertThat(p.payloadOffset()).isEqualTo(14 + 28 + 32);
        assertThat(p.payloadLength()).isEqualTo(101);
        assertThat(p.ipv4HeaderChecksumValid()).isTrue();
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
        Ipv4Header ip = new Ipv4Header();
        assertThat(p.wrapIpv4(ip)).isTrue();
        assertThat(ip.optionsLength()).isEqualTo(8);
        TcpHeader tcp = new TcpHeader();
        assertThat(p.wrapTcp(tcp)).isTrue();
        assertThat(tcp.headerLength()).isEqualTo(32);
        assertThat(p.wrapUdp(new UdpHeader())).isFalse();
    }

    @Test
    void icmpEcho() {
        assertThat(parse(SampleFrames.icmp4())).isEqualTo(ParseResult.OK);
        assertThat(p.l4Protocol()).isEqualTo(1);
        assertThat(p.icmpType()).isEqualTo(IcmpHeader.ECHO_REQUEST);
        assertThat(p.icmpCode()).isZero();
        assertThat(p.payloadLength()).isEqualTo(56);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(-1); // ICMPv4 does not cover addresses
        IcmpHeader icmp = new IcmpHeader();
        assertThat(p.wrapIcmp(icmp)).isTrue();
        assertThat(icmp.identifier()).isEqualTo(0x4242);
        assertThat(icmp.sequence()).isEqualTo(7);
    }

    @Test
    void arp() {
        assertThat(parse(SampleFrames.arp())).isEqualTo(ParseResult.OK);
        assertThat(p.etherType()).isEqualTo(0x0806);
        assertThat(p.arpOperation()).isEqualTo(ArpHeader.OPERATION_REQUEST);
        assertThat(p.ipVersion()).isZero();
        assertThat(p.l4Offset()).isEqualTo(-1);
        ArpHeader a = new ArpHeader();
        assertThat(p.wrapArp(a)).isTrue();
        assertThat(a.isEthernetIpv4()).isTrue();
        assertThat(a.senderHardwareAddress()).isEqualTo(MAC_A);
        assertThat(a.senderProtocolAddress()).isEqualTo(IP_A);
        assertThat(a.targetProtocolAddress()).isEqualTo(IP_B);
    }

    @Test
    void singleVlanTag() {
        byte[] f = new FrameBuilder().ethernet().vlan(VlanTag.TPID_8021Q, (5 << 13) | 0x1000 | 100)
                .ipv4(IP_A, IP_B, 17).udp(1, 2, new byte[3]).build();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.vlanCount()).isEqualTo(1);
        assertThat(p.vlanTpid(0)).isEqualTo(0x8100);
        assertThat(p.vlanId()).isEqualTo(100);
        assertThat(p.vlanTci(0) >>> 13).isEqualTo(5);
        assertThat(p.l3Offset()).isEqualTo(18);
        assertThat(p.l4Offset()).isEqualTo(38);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
    }

    @Test
    void qinq() {
        assertThat(parse(SampleFrames.qinqUdp4())).isEqualTo(ParseResult.OK);
        assertThat(p.vlanCount()).isEqualTo(2);
        assertThat(p.vlanTpid(0)).isEqualTo(VlanTag.TPID_8021AD);
        assertThat(VlanTag.vlanId(p.vlanTci(0))).isEqualTo(200);
        assertThat(p.vlanTpid(1)).isEqualTo(VlanTag.TPID_8021Q);
        assertThat(VlanTag.vlanId(p.vlanTci(1))).isEqualTo(100);
        assertThat(p.vlanId()).isEqualTo(100);
        assertThat(p.etherType()).isEqualTo(0x0800);
        assertThat(p.l3Offset()).isEqualTo(22);
        assertThat(p.sourcePort()).isEqualTo(1234);
        assertThat(p.destinationPort()).isEqualTo(5678);
    }

    @Test
    void threeTagsAreUnsupported() {
        byte[] f = new FrameBuilder().ethernet().vlan(0x88A8, 1).vlan(0x8100, 2).vlan(0x8100, 3)
                .ipv4(IP_A, IP_B, 17).udp(1, 2, new byte[0]).build();
        assertThat(parse(f)).isEqualTo(ParseResult.UNSUPPORTED_VLAN_DEPTH);
    }

    @Test
    void ipv4Fragments() {
        byte[] first = new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 17, new byte[0], 0x2000)
                .udp(7000, 7001, FrameBuilder.bytes(100, 9)).noLengths().noChecksums().build();
        ReferenceChecksum.put16(first, 14 + 2, first.length - 14);
        ReferenceChecksum.put16(first, 34 + 4, 3008); // UDP length of the whole datagram
        assertThat(parse(first)).isEqualTo(ParseResult.OK);
        assertThat(p.isFragment()).isTrue();
        assertThat(p.moreFragments()).isTrue();
        assertThat(p.isLaterFragment()).isFalse();
        assertThat(p.hasL4Header()).isTrue();
        assertThat(p.sourcePort()).isEqualTo(7000);
        assertThat(p.payloadLength()).isEqualTo(100);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_UNVERIFIABLE);
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(34 + 6);

        assertThat(parse(SampleFrames.ipv4LaterFragment())).isEqualTo(ParseResult.OK);
        assertThat(p.isFragment()).isTrue();
        assertThat(p.isLaterFragment()).isTrue();
        assertThat(p.moreFragments()).isFalse();
        assertThat(p.fragmentOffset()).isEqualTo(1480);
        assertThat(p.fragmentId()).isEqualTo(0x1234);
        assertThat(p.l4Protocol()).isEqualTo(17);
        assertThat(p.hasL4Header()).isFalse();
        assertThat(p.sourcePort()).isZero();
        assertThat(p.payloadOffset()).isEqualTo(34);
        assertThat(p.payloadLength()).isEqualTo(100);
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(-1);
        assertThat(p.wrapUdp(new UdpHeader())).isFalse();
    }

    @Test
    void udpOverIpv6() {
        assertThat(parse(SampleFrames.udp6())).isEqualTo(ParseResult.OK);
        assertThat(p.ipVersion()).isEqualTo(6);
        assertThat(p.etherType()).isEqualTo(0x86DD);
        assertThat(p.ipv6SourceHigh()).isEqualTo(IP6_A[0]);
        assertThat(p.ipv6SourceLow()).isEqualTo(IP6_A[1]);
        assertThat(p.ipv6DestinationHigh()).isEqualTo(IP6_B[0]);
        assertThat(p.ipv6DestinationLow()).isEqualTo(IP6_B[1]);
        assertThat(p.l4Offset()).isEqualTo(54);
        assertThat(p.sourcePort()).isEqualTo(5353);
        assertThat(p.payloadLength()).isEqualTo(41);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
        Ipv6Header ip6 = new Ipv6Header();
        assertThat(p.wrapIpv6(ip6)).isTrue();
        assertThat(ip6.trafficClass()).isEqualTo(0x2E);
        assertThat(ip6.flowLabel()).isEqualTo(0x12345);
    }

    @Test
    void ipv6ExtensionChainWithFragmentAndAh() {
        assertThat(parse(SampleFrames.ipv6ChainTcp())).isEqualTo(ParseResult.OK);
        assertThat(p.ipProtocol()).isEqualTo(IpProtocol.HOPOPT);
        assertThat(p.ipv6ExtensionCount()).isEqualTo(4);
        assertThat(p.ipv6ExtensionMask()).isEqualTo(PacketParser.EXT_HOP_BY_HOP | PacketParser.EXT_DESTINATION_OPTIONS
                | PacketParser.EXT_FRAGMENT | PacketParser.EXT_AUTHENTICATION);
        assertThat(p.isFragment()).isTrue();
        assertThat(p.isLaterFragment()).isFalse();
        assertThat(p.moreFragments()).isTrue();
        assertThat(p.fragmentId()).isEqualTo(0xCAFEBABE);
        assertThat(p.l4Protocol()).isEqualTo(6);
        assertThat(p.l4Offset()).isEqualTo(14 + 40 + 8 + 16 + 8 + 24);
        assertThat(p.sourcePort()).isEqualTo(443);
        assertThat(p.destinationPort()).isEqualTo(61000);
        assertThat(p.payloadLength()).isEqualTo(64);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_UNVERIFIABLE);
    }

    @Test
    void ipv6ChainWithoutFragmentVerifiesChecksum() {
        byte[] f = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.HOPOPT)
                .ipv6Extension(IpProtocol.DSTOPTS, 8).ipv6Extension(IpProtocol.AH, 24).ah(IpProtocol.UDP, 16)
                .udp(9, 10, FrameBuilder.bytes(11, 1)).build();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.ipv6ExtensionCount()).isEqualTo(3);
        assertThat(p.l4Offset()).isEqualTo(14 + 40 + 8 + 24 + 16);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
    }

    @Test
    void ipv6RoutingHeaderMakesChecksumUnverifiable() {
        byte[] f = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.ROUTING)
                .ipv6Extension(IpProtocol.UDP, 24).udp(9, 10, new byte[4]).build();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.ipv6ExtensionMask()).isEqualTo(PacketParser.EXT_ROUTING);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_UNVERIFIABLE);
    }

    @Test
    void ipv6LaterFragment() {
        byte[] f = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.FRAGMENT)
                .ipv6Fragment(IpProtocol.UDP, 1448, false, 77).raw(FrameBuilder.bytes(200, 2)).build();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.isLaterFragment()).isTrue();
        assertThat(p.fragmentOffset()).isEqualTo(1448);
        assertThat(p.fragmentId()).isEqualTo(77);
        assertThat(p.l4Protocol()).isEqualTo(17);
        assertThat(p.hasL4Header()).isFalse();
        assertThat(p.payloadOffset()).isEqualTo(14 + 48);
        assertThat(p.payloadLength()).isEqualTo(200);
    }

    @Test
    void ipv6AtomicFragmentIsAWholeDatagram() {
        byte[] f = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.FRAGMENT)
                .ipv6Fragment(IpProtocol.UDP, 0, false, 5).udp(1, 2, FrameBuilder.bytes(9, 1)).build();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.isFragment()).isFalse();
        assertThat(p.ipv6ExtensionMask()).isEqualTo(PacketParser.EXT_FRAGMENT);
        assertThat(p.fragmentId()).isEqualTo(5);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
    }

    @Test
    void espAndNoNextHeaderStopTheWalk() {
        byte[] esp = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.DSTOPTS)
                .ipv6Extension(IpProtocol.ESP, 8).raw(FrameBuilder.bytes(40, 3)).build();
        assertThat(parse(esp)).isEqualTo(ParseResult.OK);
        assertThat(p.l4Protocol()).isEqualTo(IpProtocol.ESP);
        assertThat(p.l4Offset()).isEqualTo(14 + 48);
        assertThat(p.payloadLength()).isEqualTo(40);
        assertThat(p.sourcePort()).isZero();
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(-1);

        byte[] none = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.NO_NEXT_HEADER).raw(new byte[5]).build();
        assertThat(parse(none)).isEqualTo(ParseResult.OK);
        assertThat(p.l4Protocol()).isEqualTo(IpProtocol.NO_NEXT_HEADER);
        assertThat(p.hasL4Header()).isFalse();
        assertThat(p.payloadLength()).isZero();
    }

    @Test
    void extensionChainIsCapped() {
        assertThat(parse(dstoptsChain(PacketParser.MAX_IPV6_EXTENSION_HEADERS))).isEqualTo(ParseResult.OK);
        assertThat(p.ipv6ExtensionCount()).isEqualTo(8);
        assertThat(parse(dstoptsChain(PacketParser.MAX_IPV6_EXTENSION_HEADERS + 1))).isEqualTo(ParseResult.MALFORMED_IPV6_EXTENSION_CHAIN);
    }

    private static byte[] dstoptsChain(int n) {
        FrameBuilder b = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.DSTOPTS);
        for (int i = 0; i < n; i++) {
            b.ipv6Extension(i == n - 1 ? IpProtocol.UDP : IpProtocol.DSTOPTS, 8);
        }
        return b.udp(1, 2, new byte[1]).build();
    }

    @Test
    void hopByHopMustComeFirst() {
        byte[] f = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.DSTOPTS)
                .ipv6Extension(IpProtocol.HOPOPT, 8).ipv6Extension(IpProtocol.UDP, 8).udp(1, 2, new byte[1]).build();
        assertThat(parse(f)).isEqualTo(ParseResult.MALFORMED_IPV6_EXTENSION_CHAIN);
    }

    @Test
    void icmpv6EchoAndNeighborSolicitation() {
        assertThat(parse(SampleFrames.icmp6Echo())).isEqualTo(ParseResult.OK);
        assertThat(p.l4Protocol()).isEqualTo(58);
        assertThat(p.icmpType()).isEqualTo(Icmpv6Header.ECHO_REQUEST);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(14 + 40 + 2);

        byte[] target = new byte[16]; // the builder wrote the 4-byte reserved body as id/seq 0
        target[0] = (byte) 0xFD;
        target[15] = 0x02;
        byte[] ns = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 58).icmp(135, 0, 0, 0, target).build();
        assertThat(parse(ns)).isEqualTo(ParseResult.OK);
        Icmpv6Header h = new Icmpv6Header();
        assertThat(p.wrapIcmpv6(h)).isTrue();
        assertThat(h.type()).isEqualTo(Icmpv6Header.NEIGHBOR_SOLICITATION);
        assertThat(h.hasTargetAddress()).isTrue();
        assertThat(h.targetAddressHigh()).isEqualTo(0xFD00_0000_0000_0000L);
        assertThat(h.targetAddressLow()).isEqualTo(0x02L);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
    }

    @Test
    void icmpv4InsideIpv6IsJustAnotherProtocol() {
        byte[] f = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 1).raw(new byte[8]).build();
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.l4Protocol()).isEqualTo(1);
        assertThat(p.icmpType()).isEqualTo(-1);
        assertThat(p.wrapIcmp(new IcmpHeader())).isFalse();
    }

    @Test
    void unsupportedEtherTypes() {
        byte[] lldp = new FrameBuilder().ethernet().etherType(0x88CC).raw(new byte[46]).build();
        assertThat(parse(lldp)).isEqualTo(ParseResult.UNSUPPORTED_ETHERTYPE);
        assertThat(p.etherType()).isEqualTo(0x88CC);
        byte[] llc = new FrameBuilder().ethernet().etherType(46).raw(new byte[46]).build();
        assertThat(parse(llc)).isEqualTo(ParseResult.UNSUPPORTED_ETHERTYPE);
        byte[] arp = SampleFrames.arp();
        arp[15] = 6; // hardware type IEEE 802
        assertThat(parse(arp)).isEqualTo(ParseResult.UNSUPPORTED_ARP_FORMAT);
    }

    @Test
    void ethernetPaddingIsATrailerNotPayload() {
        byte[] f = new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 17).udp(1, 2, new byte[2]).padTo(60).build();
        assertThat(f).hasSize(60);
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.l3Length()).isEqualTo(30);
        assertThat(p.trailerLength()).isEqualTo(16);
        assertThat(p.l4Length()).isEqualTo(10);
        assertThat(p.payloadLength()).isEqualTo(2);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
    }

    @Test
    void udpWithoutChecksumOverIpv4() {
        byte[] f = SampleFrames.udp4();
        f[34 + 6] = 0;
        f[34 + 7] = 0;
        assertThat(parse(f)).isEqualTo(ParseResult.OK);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_ABSENT);
        byte[] g = SampleFrames.udp6();
        g[54 + 6] = 0;
        g[54 + 7] = 0;
        assertThat(parse(g)).isEqualTo(ParseResult.OK);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_INVALID);
    }

    @Test
    void corruptedChecksumsAreReported() {
        byte[] f = SampleFrames.tcp4WithOptions();
        f[f.length - 1] ^= 1;
        parse(f);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_INVALID);
        assertThat(p.ipv4HeaderChecksumValid()).isTrue();
        f[14 + 8] ^= 1; // TTL
        parse(f);
        assertThat(p.ipv4HeaderChecksumValid()).isFalse();
    }

    @Test
    void frameBoundsOutsideTheSegmentAreClassifiedNotThrown() {
        MemorySegment s = Arena.ofAuto().allocate(100);
        assertThat(p.parse(s, 90, 20)).isEqualTo(ParseResult.MALFORMED_FRAME_BOUNDS);
        assertThat(p.parse(s, -1, 20)).isEqualTo(ParseResult.MALFORMED_FRAME_BOUNDS);
        assertThat(p.parse(s, 0, -5)).isEqualTo(ParseResult.MALFORMED_FRAME_BOUNDS);
        assertThat(p.parse(s, Long.MAX_VALUE, 20)).isEqualTo(ParseResult.MALFORMED_FRAME_BOUNDS);
        assertThat(p.parse(s, 100, 0)).isEqualTo(ParseResult.TRUNCATED_ETHERNET);
    }

    @Test
    void fieldsAreResetBetweenPackets() {
        parse(SampleFrames.tcp4WithOptions());
        assertThat(p.sourcePort()).isNotZero();
        parse(SampleFrames.arp());
        assertThat(p.sourcePort()).isZero();
        assertThat(p.l4Offset()).isEqualTo(-1);
        assertThat(p.ipVersion()).isZero();
        assertThat(p.tcpFlags()).isZero();
        parse(SampleFrames.qinqUdp4());
        parse(SampleFrames.udp6());
        assertThat(p.vlanCount()).isZero();
        assertThat(p.ipv4Source()).isZero();
    }

    @Test
    void parsesPacketsOfABatchInPlaceAtTheirUmemOffsets() {
        MemorySegment umem = Arena.ofAuto().allocate(4 * 2048);
        byte[] a = SampleFrames.udp6();
        byte[] b = SampleFrames.qinqUdp4();
        MemorySegment.copy(a, 0, umem, ValueLayout.JAVA_BYTE, 2048 + 256, a.length);
        MemorySegment.copy(b, 0, umem, ValueLayout.JAVA_BYTE, 3 * 2048 + 256, b.length);
        PacketBatch batch = new PacketBatch(umem, 4);
        batch.add(2048 + 256, a.length);
        batch.add(3 * 2048 + 256, b.length);
        assertThat(p.parse(batch.packet(0))).isEqualTo(ParseResult.OK);
        assertThat(p.base()).isEqualTo(2048 + 256);
        assertThat(p.sourcePort()).isEqualTo(5353);
        assertThat(p.pseudoHeaderChecksumAt()).isEqualTo(2048 + 256 + 54 + 6);
        assertThat(p.parse(batch.packet(1))).isEqualTo(ParseResult.OK);
        assertThat(p.vlanCount()).isEqualTo(2);
        assertThat(batch.packet(1).getShort(p.l4Offset())).isEqualTo(1234);
    }
}
