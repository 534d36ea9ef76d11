package dev.sluice.proto;

import dev.sluice.testing.FrameBuilder;
import org.junit.jupiter.api.Test;

import static dev.sluice.testing.FrameBuilder.IP6_A;
import static dev.sluice.testing.FrameBuilder.IP6_B;
import static dev.sluice.testing.FrameBuilder.IP_A;
import static dev.sluice.testing.FrameBuilder.IP_B;
import static dev.sluice.testing.FrameBuilder.MAC_A;
import static dev.sluice.testing.FrameBuilder.MAC_B;
import static org.assertj.core.api.Assertions.assertThat;

/** Accessors at their documented offsets, setters, and wrap's length checks, on exact-size slices. */
class HeaderFlyweightTest {
    @Test
    void ethernet() {
        ExactSegment s = ExactSegment.of(SampleFrames.udp4());
        EthernetHeader e = new EthernetHeader();
        assertThat(e.wrap(s.frame, 0, 13)).isFalse();
        assertThat(e.wrap(s.frame, 0, 14)).isTrue();
        assertThat(e.destination()).isEqualTo(MAC_B);
        assertThat(e.source()).isEqualTo(MAC_A);
        assertThat(e.etherType()).isEqualTo(EthernetHeader.ETHERTYPE_IPV4);
        e.swapAddresses();
        assertThat(e.destination()).isEqualTo(MAC_A);
        assertThat(e.source()).isEqualTo(MAC_B);
        assertThat(EthernetHeader.isMulticast(0xFFFF_FFFF_FFFFL)).isTrue();
        assertThat(EthernetHeader.isMulticast(0x3333_0000_0001L)).isTrue();
        assertThat(EthernetHeader.isMulticast(MAC_A)).isFalse();
        assertThat(s.guardsIntact()).isTrue();
    }

    @Test
    void vlanTag() {
        ExactSegment s = ExactSegment.of(SampleFrames.qinqUdp4());
        VlanTag t = new VlanTag();
        assertThat(t.wrap(s.frame, 14, 3)).isFalse();
        assertThat(t.wrap(s.frame, 14, 4)).isTrue();
        assertThat(t.priority()).isEqualTo(3);
        assertThat(t.dropEligible()).isFalse();
        assertThat(t.vlanId()).isEqualTo(200);
        assertThat(t.innerEtherType()).isEqualTo(VlanTag.TPID_8021Q);
        t.setVlanId(4000);
        assertThat(t.vlanId()).isEqualTo(4000);
        assertThat(t.priority()).isEqualTo(3);
        assertThat(VlanTag.isTpid(0x88A8)).isTrue();
        assertThat(VlanTag.isTpid(0x9100)).as("pre-standard QinQ TPID: not in the VLAN policy").isFalse();
        assertThat(VlanTag.isTpid(0x0800)).isFalse();
    }

    @Test
    void arp() {
        ExactSegment s = ExactSegment.of(SampleFrames.arp());
        ArpHeader a = new ArpHeader();
        assertThat(a.wrap(s.frame, 14, 27)).isFalse();
        assertThat(a.wrap(s.frame, 14, 28)).isTrue();
        assertThat(a.isEthernetIpv4()).isTrue();
        assertThat(a.operation()).isEqualTo(ArpHeader.OPERATION_REQUEST);
        // Turn the request into the reply B would send.
        a.setOperation(ArpHeader.OPERATION_REPLY);
        a.setTargetHardwareAddress(a.senderHardwareAddress());
        a.setTargetProtocolAddress(a.senderProtocolAddress());
        a.setSenderHardwareAddress(MAC_B);
        a.setSenderProtocolAddress(IP_B);
        assertThat(a.targetHardwareAddress()).isEqualTo(MAC_A);
        assertThat(a.targetProtocolAddress()).isEqualTo(IP_A);
        assertThat(a.senderProtocolAddress()).isEqualTo(IP_B);
        assertThat(s.guardsIntact()).isTrue();
    }

    @Test
    void ipv4() {
        ExactSegment s = ExactSegment.of(SampleFrames.tcp4WithOptions());
        Ipv4Header ip = new Ipv4Header();
        assertThat(ip.wrap(s.frame, 14, 19)).isFalse();
        assertThat(ip.wrap(s.frame, 14, 27)).as("options beyond length").isFalse();
        assertThat(ip.wrap(s.frame, 14, 28)).isTrue();
        assertThat(ip.version()).isEqualTo(4);
        assertThat(ip.ihl()).isEqualTo(7);
        assertThat(ip.headerLength()).isEqualTo(28);
        assertThat(ip.optionsOffset()).isEqualTo(14 + 20);
        assertThat(ip.identification()).isEqualTo(0x1234);
        assertThat(ip.dontFragment()).isTrue();
        assertThat(ip.moreFragments()).isFalse();
        assertThat(ip.isFragment()).isFalse();
        assertThat(ip.ttl()).isEqualTo(64);
        assertThat(ip.protocol()).isEqualTo(6);
        assertThat(ip.sourceAddress()).isEqualTo(IP_A);
        assertThat(ip.destinationAddress()).isEqualTo(IP_B);
        assertThat(ip.headerChecksumValid()).isTrue();
        assertThat(ip.decrementTtlAndUpdateChecksum()).isEqualTo(63);
        assertThat(ip.headerChecksumValid()).isTrue();
        ip.setTtlAndUpdateChecksum(0);
        assertThat(ip.decrementTtlAndUpdateChecksum()).isZero();
        assertThat(ip.ttl()).isZero();
        ip.setSourceAddressAndUpdateChecksum(0x7F000001);
        assertThat(ip.headerChecksumValid()).isTrue();
        ip.setDestinationAddress(0x01020304);
        assertThat(ip.headerChecksumValid()).isFalse();
        ip.updateHeaderChecksum();
        assertThat(ip.headerChecksumValid()).isTrue();
        assertThat(Ipv4Header.toString(IP_B)).isEqualTo("192.168.0.199");

        ExactSegment ihl4 = ExactSegment.of(SampleFrames.udp4());
        ihl4.frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14, (byte) 0x44);
        assertThat(ip.wrap(ihl4.frame, 14, 40)).as("IHL 4").isFalse();
    }

    @Test
    void ipv4Fragment() {
        ExactSegment s = ExactSegment.of(SampleFrames.ipv4LaterFragment());
        Ipv4Header ip = new Ipv4Header();
        assertThat(ip.wrap(s.frame, 14, 120)).isTrue();
        assertThat(ip.isFragment()).isTrue();
        assertThat(ip.fragmentOffset()).isEqualTo(1480);
        ip.setFlagsAndFragmentOffset(Ipv4Header.FLAG_MORE_FRAGMENTS);
        assertThat(ip.isFragment()).isTrue();
        assertThat(ip.fragmentOffset()).isZero();
    }

    @Test
    void ipv6AndExtensionHeaders() {
        ExactSegment s = ExactSegment.of(SampleFrames.ipv6ChainTcp());
        Ipv6Header ip6 = new Ipv6Header();
        assertThat(ip6.wrap(s.frame, 14, 39)).isFalse();
        assertThat(ip6.wrap(s.frame, 14, 40)).isTrue();
        assertThat(ip6.version()).isEqualTo(6);
        assertThat(ip6.nextHeader()).isEqualTo(IpProtocol.HOPOPT);
        assertThat(ip6.hopLimit()).isEqualTo(64);
        assertThat(ip6.sourceHigh()).isEqualTo(IP6_A[0]);
        assertThat(ip6.destinationLow()).isEqualTo(IP6_B[1]);
        ip6.setVersionClassFlow(0xB8, 0xABCDE);
        assertThat(ip6.trafficClass()).isEqualTo(0xB8);
        assertThat(ip6.flowLabel()).isEqualTo(0xABCDE);
        assertThat(ip6.version()).isEqualTo(6);

        Ipv6ExtensionHeader x = new Ipv6ExtensionHeader();
        long at = 14 + 40;
        int avail = (int) (s.frame.byteSize() - at);
        assertThat(x.wrap(IpProtocol.HOPOPT, s.frame, at, avail)).isTrue();
        assertThat(x.length()).isEqualTo(8);
        assertThat(x.nextHeader()).isEqualTo(IpProtocol.DSTOPTS);
        at += 8;
        assertThat(x.wrap(IpProtocol.DSTOPTS, s.frame, at, 15)).as("16-byte header in 15").isFalse();
        assertThat(x.wrap(IpProtocol.DSTOPTS, s.frame, at, 16)).isTrue();
        assertThat(x.length()).isEqualTo(16);
        at += 16;
        assertThat(x.wrap(IpProtocol.FRAGMENT, s.frame, at, 8)).isTrue();
        assertThat(x.nextHeader()).isEqualTo(IpProtocol.AH);
        assertThat(x.fragmentOffset()).isZero();
        assertThat(x.moreFragments()).isTrue();
        assertThat(x.fragmentIdentification()).isEqualTo(0xCAFEBABE);
        at += 8;
        assertThat(x.wrap(IpProtocol.AH, s.frame, at, 24)).isTrue();
        assertThat(x.length()).isEqualTo(24);
        assertThat(x.nextHeader()).isEqualTo(IpProtocol.TCP);
        assertThat(Ipv6ExtensionHeader.length(IpProtocol.ROUTING, 2)).isEqualTo(24);
        assertThat(IpProtocol.isIpv6ExtensionHeader(IpProtocol.ESP)).isFalse();
        assertThat(IpProtocol.isIpv6ExtensionHeader(IpProtocol.MOBILITY)).isTrue();
    }

    @Test
    void tcp() {
        ExactSegment s = ExactSegment.of(SampleFrames.tcp4WithOptions());
        TcpHeader t = new TcpHeader();
        long at = 14 + 28;
        assertThat(t.wrap(s.frame, at, 19)).isFalse();
        assertThat(t.wrap(s.frame, at, 31)).as("options beyond length").isFalse();
        assertThat(t.wrap(s.frame, at, 32)).isTrue();
        assertThat(t.sourcePort()).isEqualTo(51000);
        assertThat(t.destinationPort()).isEqualTo(80);
        assertThat(t.sequenceNumber()).isEqualTo(0x01020304);
        assertThat(t.acknowledgmentNumber()).isEqualTo(0x0A0B0C0D);
        assertThat(t.dataOffset()).isEqualTo(8);
        assertThat(t.hasFlags(TcpHeader.SYN | TcpHeader.ACK)).isTrue();
        assertThat(t.hasFlags(TcpHeader.FIN)).isFalse();
        assertThat(t.window()).isEqualTo(65535);
        assertThat(t.urgentPointer()).isZero();
        assertThat(t.checksumAt()).isEqualTo(at + 16);
    }

    @Test
    void udpKeepsAZeroChecksumAtZero() {
        ExactSegment s = ExactSegment.of(SampleFrames.udp4());
        UdpHeader u = new UdpHeader();
        assertThat(u.wrap(s.frame, 34, 7)).isFalse();
        assertThat(u.wrap(s.frame, 34, 8)).isTrue();
        assertThat(u.length()).isEqualTo(41);
        u.setChecksum(0);
        u.setDestinationPortAndUpdateChecksum(5353);
        assertThat(u.destinationPort()).isEqualTo(5353);
        assertThat(u.checksum()).isZero();
    }

    @Test
    void icmpAndIcmpv6() {
        ExactSegment s = ExactSegment.of(SampleFrames.icmp4());
        IcmpHeader i = new IcmpHeader();
        assertThat(i.wrap(s.frame, 34, 7)).isFalse();
        assertThat(i.wrap(s.frame, 34, 64)).isTrue();
        i.setTypeAndCodeAndUpdateChecksum(IcmpHeader.ECHO_REPLY, 0);
        assertThat(i.type()).isZero();
        assertThat(Checksums.icmpv4Valid(s.frame, 34, 64)).isTrue();
        assertThat(IcmpHeader.isError(IcmpHeader.TIME_EXCEEDED)).isTrue();
        assertThat(IcmpHeader.isError(IcmpHeader.ECHO_REQUEST)).isFalse();

        ExactSegment s6 = ExactSegment.of(SampleFrames.icmp6Echo());
        Icmpv6Header h = new Icmpv6Header();
        assertThat(h.wrap(s6.frame, 54, 7)).isFalse();
        assertThat(h.wrap(s6.frame, 54, 40)).isTrue();
        assertThat(h.identifier()).isEqualTo(0x77);
        assertThat(h.sequence()).isEqualTo(1);
        assertThat(h.hasTargetAddress()).isFalse();
        h.setTypeAndCodeAndUpdateChecksum(Icmpv6Header.ECHO_REPLY, 0);
        assertThat(Checksums.icmpv6Valid(s6.frame, 14, 54, 40)).isTrue();
        assertThat(Icmpv6Header.isError(Icmpv6Header.PACKET_TOO_BIG)).isTrue();
    }
}
