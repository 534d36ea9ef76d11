package dev.sluice.proto;

import dev.sluice.testing.FrameBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.sluice.testing.FrameBuilder.IP6_A;
import static dev.sluice.testing.FrameBuilder.IP6_B;
import static dev.sluice.testing.FrameBuilder.IP_A;
import static dev.sluice.testing.FrameBuilder.IP_B;
import static dev.sluice.testing.FrameBuilder.MAC_A;
import static dev.sluice.testing.FrameBuilder.MAC_B;

/** Well-formed hand-built frames of every kind the parser knows, shared by several tests. */
final class SampleFrames {
    /** Record Route option with room for 1 address + NOP padding: 8 bytes (IHL 7). */
    static final byte[] RECORD_ROUTE = {7, 7, 4, 0, 0, 0, 0, 1};

    private SampleFrames() {
    }

    static byte[] udp4() {
        return new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 17).udp(40000, 53, FrameBuilder.bytes(33, 1)).build();
    }

    static byte[] tcp4WithOptions() {
        return new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 6, RECORD_ROUTE, 0x4000)
                .tcp(51000, 80, TcpHeader.SYN | TcpHeader.ACK, 12, FrameBuilder.bytes(101, 2)).build();
    }

    static byte[] icmp4() {
        return new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 1).icmp(8, 0, 0x4242, 7, FrameBuilder.bytes(56, 3)).build();
    }

    static byte[] arp() {
        return new FrameBuilder().ethernet(0xFFFF_FFFF_FFFFL, MAC_A).arp(1, MAC_A, IP_A, 0, IP_B).build();
    }

    static byte[] qinqUdp4() {
        return new FrameBuilder().ethernet().vlan(VlanTag.TPID_8021AD, (3 << 13) | 200).vlan(VlanTag.TPID_8021Q, (5 << 13) | 100)
                .ipv4(IP_A, IP_B, 17).udp(1234, 5678, FrameBuilder.bytes(20, 4)).build();
    }

    static byte[] udp6() {
        return new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 17).udp(5353, 5353, FrameBuilder.bytes(41, 5)).build();
    }

    /** IPv6: Hop-by-Hop (8) → Destination Options (16) → Fragment (first) → AH (24) → TCP. */
    static byte[] ipv6ChainTcp() {
        return new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, IpProtocol.HOPOPT)
                .ipv6Extension(IpProtocol.DSTOPTS, 8)
                .ipv6Extension(IpProtocol.FRAGMENT, 16)
                .ipv6Fragment(IpProtocol.AH, 0, true, 0xCAFEBABE)
                .ah(IpProtocol.TCP, 24)
                .tcp(443, 61000, TcpHeader.ACK | TcpHeader.PSH, 0, FrameBuilder.bytes(64, 6)).build();
    }

    static byte[] icmp6Echo() {
        return new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 58).icmp(128, 0, 0x77, 1, FrameBuilder.bytes(32, 7)).build();
    }

    /** IPv4 non-first fragment of a UDP datagram (offset 1480). */
    static byte[] ipv4LaterFragment() {
        return new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 17, new byte[0], 185).raw(FrameBuilder.bytes(100, 8)).build();
    }

    static byte[] vlanTcp6() {
        return new FrameBuilder().ethernet(MAC_B, MAC_A).vlan(VlanTag.TPID_8021Q, 42).ipv6(IP6_A, IP6_B, 6)
                .tcp(2000, 3000, TcpHeader.SYN, 20, new byte[0]).build();
    }

    static Map<String, byte[]> all() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("udp4", udp4());
        m.put("tcp4WithOptions", tcp4WithOptions());
        m.put("icmp4", icmp4());
        m.put("arp", arp());
        m.put("qinqUdp4", qinqUdp4());
        m.put("udp6", udp6());
        m.put("ipv6ChainTcp", ipv6ChainTcp());
        m.put("icmp6Echo", icmp6Echo());
        m.put("ipv4LaterFragment", ipv4LaterFragment());
        m.put("vlanTcp6", vlanTcp6());
        return m;
    }
}
