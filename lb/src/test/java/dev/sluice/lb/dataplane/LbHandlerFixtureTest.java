package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.testing.FrameBuilder;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static dev.sluice.lb.config.Protocol.TCP;
import static dev.sluice.lb.config.Protocol.UDP;
import static dev.sluice.lb.dataplane.Frames.*;
import static dev.sluice.lb.dataplane.LbRig.backend;
import static dev.sluice.lb.dataplane.LbRig.ip;
import static dev.sluice.lb.dataplane.LbRig.vip;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table-driven packet fixtures, as Katran's: an input frame, the verdict, the output frame (bytes,
 * or a check of an encapsulation against the input), and the exact counter deltas (every other
 * counter must stay put). Each case runs on a fresh worker (empty connection table) over one
 * configuration with a single backend per VIP, so the expected backend is known.
 */
class LbHandlerFixtureTest {
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final byte[] SRC4 = ip("192.0.2.1").getAddress();
    static final byte[] SRC6 = ip("2001:db8::1").getAddress();

    static final LbConfig CONFIG = LbRig.config(
            vip("web4", "10.0.0.100", TCP, 80, Forwarding.DSR, backend("10.0.1.17")),
            vip("dns4", "10.0.0.100", UDP, 53, Forwarding.DSR, backend("10.0.1.18")),
            vip("web6", "fd00::100", TCP, 80, Forwarding.DSR, backend("fd00:1::11")),
            vip("any6", "fd00::100", UDP, 0, Forwarding.DSR, backend("fd00:1::12")),
            vip("ipip44", "10.0.0.101", TCP, 80, Forwarding.IPIP, backend("10.0.2.1")),
            vip("ipip64", "fd00::101", TCP, 80, Forwarding.IPIP, backend("10.0.2.2")),
            vip("ipip46", "10.0.0.102", TCP, 80, Forwarding.IPIP, backend("fd00:2::1")),
            vip("ipip66", "fd00::102", UDP, 80, Forwarding.IPIP, backend("fd00:2::2")),
            vip("gue44", "10.0.0.103", UDP, 443, Forwarding.GUE, backend("10.0.2.3")),
            vip("gue66", "fd00::103", UDP, 443, Forwarding.GUE, backend("fd00:2::3")),
            vip("gue46", "10.0.0.104", TCP, 0, Forwarding.GUE, backend("fd00:2::4")),
            vip("gue64", "fd00::104", TCP, 0, Forwarding.GUE, backend("10.0.2.4")));

    static final long MAC_11 = 0x02_00_00_00_00_11L;
    static final long MAC_12 = 0x02_00_00_00_00_12L;

    record Case(String name, byte[] in, boolean transmitted, Consumer<byte[]> check, Map<String, Long> deltas) {
    }

    static Case tx(String name, byte[] in, byte[] expected, Map<String, Long> deltas) {
        return new Case(name, in, true, out -> assertThat(HexFormat.of().formatHex(out))
                .isEqualTo(HexFormat.of().formatHex(expected)), deltas);
    }

    static Case tx(String name, byte[] in, Consumer<byte[]> check, Map<String, Long> deltas) {
        return new Case(name, in, true, check, deltas);
    }

    static Case drop(String name, byte[] in, String reason) {
        return new Case(name, in, false, out -> { }, Map.of("dropped", 1L, reason, 1L));
    }

    static Consumer<byte[]> encap(byte[] in, int l2, boolean outer6, boolean gue, String backend) {
        return out -> assertEncapsulated(in, out, l2, outer6, gue, outer6 ? SRC6 : SRC4, ip(backend).getAddress(),
                6080, LbRig.NEXT_HOP_MAC);
    }

    static final Map<String, Long> NEW_SYN = Map.of("forwarded", 1L, "new_flows", 1L, "syn", 1L);
    static final Map<String, Long> NEW_FLOW = Map.of("forwarded", 1L, "new_flows", 1L, "conn_miss", 1L);

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // ---- dsr, both families, TCP and UDP, SYN and not
        byte[] syn4 = tcp4("10.0.0.100", 80, SYN);
        c.add(tx("dsr tcp4 syn", syn4, withMacs(syn4, MAC_11, LbRig.OWN_MAC), NEW_SYN));
        byte[] ack4 = tcp4("10.0.0.100", 80, ACK);
        c.add(tx("dsr tcp4 established, unknown to this worker", ack4, withMacs(ack4, MAC_11, LbRig.OWN_MAC), NEW_FLOW));
        byte[] synack4 = tcp4("10.0.0.100", 80, SYN | ACK);
        c.add(tx("dsr tcp4 syn+ack is no new connection", synack4, withMacs(synack4, MAC_11, LbRig.OWN_MAC), NEW_FLOW));
        byte[] udp4 = udp4("10.0.0.100", 53);
        c.add(tx("dsr udp4", udp4, withMacs(udp4, MAC_12, LbRig.OWN_MAC), NEW_FLOW));
        byte[] syn6 = tcp6("fd00::100", 80, SYN);
        c.add(tx("dsr tcp6 syn", syn6, withMacs(syn6, MAC_11, LbRig.OWN_MAC), NEW_SYN));
        byte[] udp6 = udp6("fd00::100", 5353);
        c.add(tx("dsr udp6 to an all-ports VIP", udp6, withMacs(udp6, MAC_12, LbRig.OWN_MAC), NEW_FLOW));
        byte[] vlan = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC).vlan(0x88A8, 100).vlan(0x8100, 200)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 6).tcp(CLIENT_PORT, 80, SYN, 0, new byte[0]).build();
        c.add(tx("dsr tcp4 with two VLAN tags", vlan, withMacs(vlan, MAC_11, LbRig.OWN_MAC), NEW_SYN));

        // ---- encapsulation: every family mix
        byte[] i44 = tcp4("10.0.0.101", 80, SYN);
        c.add(tx("ipip 4-in-4", i44, encap(i44, 14, false, false, "10.0.2.1"), NEW_SYN));
        byte[] i64 = tcp6("fd00::101", 80, SYN);
        c.add(tx("ipip 6-in-4", i64, encap(i64, 14, false, false, "10.0.2.2"), NEW_SYN));
        byte[] i46 = tcp4("10.0.0.102", 80, SYN);
        c.add(tx("ipip 4-in-6", i46, encap(i46, 14, true, false, "fd00:2::1"), NEW_SYN));
        byte[] i66 = udp6("fd00::102", 80);
        c.add(tx("ipip 6-in-6", i66, encap(i66, 14, true, false, "fd00:2::2"), NEW_FLOW));
        byte[] g44 = udp4("10.0.0.103", 443);
        c.add(tx("gue 4 over 4", g44, encap(g44, 14, false, true, "10.0.2.3"), NEW_FLOW));
        byte[] g66 = udp6("fd00::103", 443);
        c.add(tx("gue 6 over 6", g66, encap(g66, 14, true, true, "fd00:2::3"), NEW_FLOW));
        byte[] g46 = tcp4("10.0.0.104", 8443, SYN);
        c.add(tx("gue 4 over 6", g46, encap(g46, 14, true, true, "fd00:2::4"), NEW_SYN));
        byte[] g64 = tcp6("fd00::104", 22, SYN);
        c.add(tx("gue 6 over 4", g64, encap(g64, 14, false, true, "10.0.2.4"), NEW_SYN));
        byte[] vlanEncap = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC).vlan(0x8100, 7)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.101"), 6).tcp(CLIENT_PORT, 80, SYN, 0, new byte[0]).padTo(60).build();
        c.add(tx("ipip 4-in-4 with a VLAN tag and Ethernet padding", vlanEncap, encap(vlanEncap, 18, false, false, "10.0.2.1"), NEW_SYN));

        // ---- ICMP echo
        byte[] ping4 = to4("10.0.0.100", 1).icmp(8, 0, 0x77, 3, FrameBuilder.bytes(32, 5)).build();
        byte[] pong4 = new FrameBuilder().ethernet(CLIENT_MAC, LbRig.OWN_MAC).ipv4(FrameBuilder.ipv4("10.0.0.100"), CLIENT4, 1)
                .icmp(0, 0, 0x77, 3, FrameBuilder.bytes(32, 5)).build();
        c.add(tx("icmp echo to a VIP", ping4, pong4, Map.of("icmp_echo", 1L)));
        byte[] ping6 = to6("fd00::100", 58).icmp(128, 0, 0x77, 3, FrameBuilder.bytes(32, 5)).build();
        byte[] pong6 = new FrameBuilder().ethernet(CLIENT_MAC, LbRig.OWN_MAC).ipv6(FrameBuilder.ipv6("fd00::100"), CLIENT6, 58)
                .icmp(129, 0, 0x77, 3, FrameBuilder.bytes(32, 5)).build();
        c.add(tx("icmpv6 echo to a VIP", ping6, pong6, Map.of("icmp_echo", 1L)));

        // ---- ICMP errors about VIP flows go to the flow's backend
        Map<String, Long> toBackend = Map.of("forwarded", 1L, "icmp_to_backend", 1L);
        byte[] fn4 = fragNeeded4("10.0.0.100", 80, FrameBuilder.ipv4("10.0.0.100"));
        c.add(tx("frag-needed about a dsr VIP flow", fn4, withMacs(fn4, MAC_11, LbRig.OWN_MAC), toBackend));
        byte[] fnIpip = fragNeeded4("10.0.0.101", 80, FrameBuilder.ipv4("10.0.0.101"));
        c.add(tx("frag-needed about an ipip VIP flow", fnIpip, encap(fnIpip, 14, false, false, "10.0.2.1"), toBackend));
        byte[] ptb6 = packetTooBig6("fd00::100", 80, FrameBuilder.ipv6("fd00::100"));
        c.add(tx("packet-too-big about a dsr VIP flow", ptb6, withMacs(ptb6, MAC_11, LbRig.OWN_MAC), toBackend));
        byte[] ptbIpip = packetTooBig6("fd00::102", 80, FrameBuilder.ipv6("fd00::102"));
        c.add(drop("packet-too-big quoting TCP to a UDP VIP", ptbIpip, "drop_icmp_not_vip_flow"));
        c.add(drop("frag-needed quoting a packet from another host", fragNeeded4("10.0.0.100", 80, FrameBuilder.ipv4("10.0.0.55")),
                "drop_icmp_not_vip_flow"));
        c.add(drop("frag-needed quoting another port", fragNeeded4("10.0.0.100", 8080, FrameBuilder.ipv4("10.0.0.100")),
                "drop_icmp_not_vip_flow"));
        byte[] shortQuote = to4("10.0.0.100", 1).icmp(3, 4, 0, 1400, new byte[12]).build();
        c.add(drop("frag-needed quoting too little", shortQuote, "drop_icmp_quote_unusable"));
        c.add(drop("icmp time exceeded to a VIP", to4("10.0.0.100", 1).icmp(11, 0, 0, 0, new byte[28]).build(),
                "drop_icmp_unsupported"));
        c.add(drop("icmp to no VIP", to4("10.0.0.200", 1).icmp(8, 0, 1, 1, new byte[8]).build(), "drop_not_vip"));
        byte[] badPing = to4("10.0.0.100", 1).icmp(8, 0, 0x77, 3, FrameBuilder.bytes(32, 5)).build();
        badPing[badPing.length - 1] ^= 0x55;
        c.add(drop("icmp echo with a bad checksum", badPing, "drop_reply_failed"));

        // ---- MTU: 1500 on the egress, encapsulation would exceed it
        byte[] big4 = to4("10.0.0.101", 6).tcp(CLIENT_PORT, 80, ACK, 0, new byte[1450]).build(); // IP 1490
        c.add(tx("ipip of 1490 bytes with DF: frag-needed back", big4, out -> {
            assertThat(mac(out, 0)).isEqualTo(CLIENT_MAC);
            assertThat(u32(out, 26)).as("from the VIP").isEqualTo(FrameBuilder.ipv4("10.0.0.101"));
            assertThat(u32(out, 30)).as("to the client").isEqualTo(CLIENT4);
            assertThat(out[23] & 0xFF).isEqualTo(1);
            assertThat(out[34] & 0xFF).isEqualTo(3);
            assertThat(out[35] & 0xFF).isEqualTo(4);
            assertThat(u16(out, 40)).as("next-hop MTU: 1500 less the outer header").isEqualTo(1480);
            assertThat(Arrays.copyOfRange(out, 42, 42 + 28)).as("quoted header + 8").isEqualTo(Arrays.copyOfRange(big4, 14, 42));
        }, Map.of("frag_needed_sent", 1L, "conn_miss", 1L, "new_flows", 1L)));
        byte[] fits4 = to4("10.0.0.101", 6).tcp(CLIENT_PORT, 80, ACK, 0, new byte[1440]).build(); // IP 1480
        c.add(tx("ipip of 1480 bytes fits 1500", fits4, encap(fits4, 14, false, false, "10.0.2.1"), NEW_FLOW));
        byte[] bigNoDf = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.101"), 6, new byte[0], 0).tcp(CLIENT_PORT, 80, ACK, 0, new byte[1450]).build();
        c.add(new Case("ipip of 1490 bytes without DF: dropped", bigNoDf, false, out -> { },
                Map.of("dropped", 1L, "drop_too_big", 1L, "conn_miss", 1L, "new_flows", 1L)));
        byte[] big6 = to6("fd00::102", 17).udp(CLIENT_PORT, 80, new byte[1432]).build(); // IP 1480
        c.add(tx("ip6ip6 of 1480 bytes: packet-too-big back", big6, out -> {
            assertThat(u16(out, 12)).isEqualTo(0x86DD);
            assertThat(out[20] & 0xFF).isEqualTo(58);
            assertThat(out[54] & 0xFF).isEqualTo(2);
            assertThat(u32(out, 58)).as("MTU: 1500 less the outer header").isEqualTo(1460);
            assertThat(out.length).as("within 1280 bytes of IPv6").isLessThanOrEqualTo(14 + 1280);
        }, Map.of("frag_needed_sent", 1L, "conn_miss", 1L, "new_flows", 1L)));
        byte[] gueBig = to4("10.0.0.104", 6).tcp(CLIENT_PORT, 9, ACK, 0, new byte[1420]).build(); // IP 1460 + 48
        c.add(tx("gue 4 over 6 of 1460 bytes: frag-needed reports 1452", gueBig, out -> {
            assertThat(out[34] & 0xFF).isEqualTo(3);
            assertThat(u16(out, 40)).isEqualTo(1452);
        }, Map.of("frag_needed_sent", 1L, "conn_miss", 1L, "new_flows", 1L)));

        // ---- fragments, options, extension headers
        byte[] first = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 17, new byte[0], 0x2000).udp(CLIENT_PORT, 53, new byte[64]).noLengths()
                .build();
        first[14 + 20 + 4] = 0x03; // UDP length: the whole datagram's, 1000 bytes
        first[14 + 20 + 5] = (byte) 0xE8;
        fixIpv4(first, 14);
        c.add(tx("first ipv4 fragment", first, withMacs(first, MAC_12, LbRig.OWN_MAC), Map.of("forwarded", 1L, "fragments", 1L)));
        byte[] later = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 17, new byte[0], 9).raw(new byte[40]).build();
        c.add(tx("later ipv4 fragment", later, withMacs(later, MAC_12, LbRig.OWN_MAC), Map.of("forwarded", 1L, "fragments", 1L)));
        byte[] laterTcp = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.101"), 6, new byte[0], 9).raw(new byte[40]).build();
        c.add(tx("later ipv4 fragment to an ipip VIP", laterTcp, encap(laterTcp, 14, false, false, "10.0.2.1"),
                Map.of("forwarded", 1L, "fragments", 1L)));
        byte[] frag6 = to6("fd00::100", 44).ipv6Fragment(17, 1448, false, 0x1234).raw(new byte[40]).build();
        c.add(tx("later ipv6 fragment", frag6, withMacs(frag6, MAC_12, LbRig.OWN_MAC),
                Map.of("forwarded", 1L, "fragments", 1L, "ipv6_extension_headers", 1L)));
        c.add(drop("later fragment to no VIP", new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 132, new byte[0], 9).raw(new byte[40]).build(), "drop_not_vip"));
        byte[] opts = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 6, new byte[] {1, 1, 1, 0}, 0x4000)
                .tcp(CLIENT_PORT, 80, SYN, 0, new byte[0]).build();
        c.add(tx("ipv4 options", opts, withMacs(opts, MAC_11, LbRig.OWN_MAC), Map.of("forwarded", 1L, "new_flows", 1L,
                "syn", 1L, "ipv4_options", 1L)));
        byte[] ext = to6("fd00::100", 60).ipv6Extension(43, 8).ipv6Extension(6, 16).tcp(CLIENT_PORT, 80, SYN, 0, new byte[0]).build();
        ext[14 + 6] = 60; // hop-by-hop may only come first: destination options, routing, destination options
        c.add(tx("ipv6 extension headers", ext, withMacs(ext, MAC_11, LbRig.OWN_MAC), Map.of("forwarded", 1L,
                "new_flows", 1L, "syn", 1L, "ipv6_extension_headers", 1L)));

        // ---- not for a VIP
        c.add(drop("tcp to another port of a VIP address", tcp4("10.0.0.100", 81, SYN), "drop_not_vip"));
        c.add(drop("udp to a TCP VIP", udp4("10.0.0.101", 80), "drop_not_vip"));
        c.add(drop("tcp to another address", tcp4("10.9.9.9", 80, SYN), "drop_not_vip"));
        c.add(drop("sctp to a VIP address", to4("10.0.0.100", 132).raw(new byte[20]).build(), "drop_not_vip"));
        c.add(drop("arp", new FrameBuilder().ethernet(-1L & 0xFFFF_FFFF_FFFFL, CLIENT_MAC)
                .arp(1, CLIENT_MAC, CLIENT4, 0, FrameBuilder.ipv4("10.0.0.100")).build(), "drop_not_ip"));

        // ---- truncated and malformed
        c.add(drop("runt", new byte[10], "drop_truncated_ethernet"));
        byte[] cut = Arrays.copyOf(tcp4("10.0.0.100", 80, SYN), 44);
        c.add(drop("cut inside TCP", cut, "drop_malformed_ipv4_total_length"));
        byte[] shortTcp = to4("10.0.0.100", 6).raw(new byte[12]).build();
        c.add(drop("IP says 12 bytes of TCP", shortTcp, "drop_truncated_tcp"));
        byte[] doff = tcp4("10.0.0.100", 80, SYN);
        doff[14 + 20 + 12] = 0x40;
        c.add(drop("TCP data offset 4", doff, "drop_malformed_tcp_data_offset"));
        c.add(drop("IPv4 IHL 3", new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 6).tcp(CLIENT_PORT, 80, SYN, 0, new byte[0]).ipv4IhlField(3).build(),
                "drop_malformed_ipv4_ihl"));
        byte[] udpLen = udp4("10.0.0.100", 53);
        udpLen[14 + 20 + 4] = 0x7F;
        c.add(drop("UDP length beyond the datagram", udpLen, "drop_malformed_udp_length"));
        byte[] v6len = udp6("fd00::100", 53);
        v6len[14 + 4] = 0x7F;
        c.add(drop("IPv6 payload length beyond the frame", v6len, "drop_malformed_ipv6_payload_length"));
        c.add(drop("IP version 7", new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(CLIENT4, FrameBuilder.ipv4("10.0.0.100"), 6).tcp(CLIENT_PORT, 80, SYN, 0, new byte[0]).ipVersionField(7).build(),
                "drop_malformed_ipv4_version"));
        return c;
    }

    /** Sets the IPv4 Total Length to the frame and recomputes the header checksum (fragments, whose UDP length is the datagram's). */
    static void fixIpv4(byte[] f, int l3) {
        int total = f.length - l3;
        f[l3 + 2] = (byte) (total >>> 8);
        f[l3 + 3] = (byte) total;
        f[l3 + 10] = 0;
        f[l3 + 11] = 0;
        int c = dev.sluice.testing.ReferenceChecksum.checksum(f, l3, 20, 0);
        f[l3 + 10] = (byte) (c >>> 8);
        f[l3 + 11] = (byte) c;
    }

    @TestFactory
    List<DynamicTest> fixtures() {
        LbTables tables = LbRig.tables(CONFIG);
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> {
            try (LbRig rig = new LbRig(tables)) {
                long[] before = rig.snapshot();
                LbRig.Out out = rig.burst(3, List.of(k.in())).get(0);
                assertThat(rig.delta(before)).as("counter deltas").isEqualTo(k.deltas());
                if (k.transmitted()) {
                    assertThat(out.verdict()).as("sent back out the port it came in on").isEqualTo(3);
                    k.check().accept(out.frame());
                } else {
                    assertThat(out.verdict()).as("verdict").isEqualTo(Verdicts.DROP);
                }
            }
        })).toList();
    }
}
