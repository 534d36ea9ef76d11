package dev.sluice.systest;

import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.drivers.afpacket.AfPacketOptions;
import dev.sluice.drivers.afpacket.AfPacketPort;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.drivers.xdp.XdpAction;
import dev.sluice.drivers.xdp.XdpCounters;
import dev.sluice.pipeline.hash.FlowHasher;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.proto.HeaderSwaps;
import dev.sluice.proto.HeaderWalk;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.PacketParser;
import dev.sluice.proto.ParseResult;
import dev.sluice.sys.Bpf;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One table of frames (VLAN, QinQ, a third tag, IPv4 options and bad IHL, IPv6 extension headers,
 * first and non-first fragments, ICMP to VIPs, every truncation of two deep frames) fed to the parser, the walk,
 * the flow hasher, the five-tuple swap and the steering program, which must agree on the L3/L4
 * offsets, the protocol, the ports and whether the frame is steered.
 *
 * <p>The parser is the reference. The steering program runs twice: under BPF_PROG_TEST_RUN (verdict
 * and which counter it bumped) and attached to a real veth, where each frame is sent from the peer
 * namespace with an AF_PACKET socket and followed by a sentinel datagram that every rule set steers:
 * once the sentinel reaches the AF_XDP socket, the frame before it was either there too (steered) or
 * went to the kernel (passed). Frames shorter than an Ethernet header never reach XDP and are
 * checked in user space only.
 */
class HeaderWalkAgreementSystemTest {
    private static final int PORT = 7777;
    private static final byte[] V4_PORTS = address("192.0.2.1");
    private static final byte[] V4_UDP_ANY = address("192.0.2.2");
    private static final byte[] V6_PORTS = address("2001:db8::1");
    private static final byte[] V6_ANY = address("2001:db8::2");
    private static final byte[] V4_VIP = address("192.0.2.3");
    private static final byte[] V6_VIP = address("2001:db8::3");
    private static final byte[] V4_SOURCE = address("198.51.100.7");
    private static final byte[] V6_SOURCE = address("2001:db8::99");
    private static final List<SteeringRule> RULES = List.of(
            SteeringRule.udp(inet(V4_PORTS), PORT), SteeringRule.tcp(inet(V4_PORTS), PORT),
            SteeringRule.udp(inet(V4_UDP_ANY), 0),
            SteeringRule.udp(inet(V6_PORTS), PORT), SteeringRule.tcp(inet(V6_PORTS), PORT),
            SteeringRule.address(inet(V6_ANY)),
            SteeringRule.vip(inet(V4_VIP), SteeringRule.UDP, PORT), SteeringRule.vip(inet(V4_VIP), SteeringRule.TCP, 0),
            SteeringRule.vip(inet(V6_VIP), SteeringRule.TCP, PORT));
    /** Steered by the first rule; numbered in its payload. */
    private static final int SENTINEL_PAYLOAD = 16;

    private record Case(String name, byte[] frame) {
    }

    @BeforeEach
    void privileged() {
        Privileged.requireAfXdp("runs AF_XDP sockets in network namespaces");
    }

    // ---------------------------------------------------------------- the table

    static List<Case> table() {
        List<Case> t = new ArrayList<>();
        byte[] udp = udp(40000, PORT, 12);
        t.add(new Case("ipv4 udp", eth(ipv4(V4_PORTS, IpProtocol.UDP, udp))));
        t.add(new Case("ipv4 udp other port", eth(ipv4(V4_PORTS, IpProtocol.UDP, udp(40000, PORT + 1, 12)))));
        t.add(new Case("ipv4 udp other address", eth(ipv4(V4_SOURCE, IpProtocol.UDP, udp))));
        t.add(new Case("802.1Q ipv4 udp", eth(new int[] {0x8100}, 0x0800, ipv4(V4_PORTS, IpProtocol.UDP, udp))));
        t.add(new Case("802.1ad ipv4 udp", eth(new int[] {0x88a8}, 0x0800, ipv4(V4_PORTS, IpProtocol.UDP, udp))));
        t.add(new Case("QinQ ipv4 udp", eth(new int[] {0x88a8, 0x8100}, 0x0800, ipv4(V4_PORTS, IpProtocol.UDP, udp))));
        t.add(new Case("three tags", eth(new int[] {0x88a8, 0x8100, 0x8100}, 0x0800, ipv4(V4_PORTS, IpProtocol.UDP, udp))));
        t.add(new Case("0x9100 tag", eth(new int[] {0x9100}, 0x0800, ipv4(V4_PORTS, IpProtocol.UDP, udp))));
        t.add(new Case("arp", eth(new int[0], 0x0806, HexFormat.of().parseHex(
                "0001080006040001020000000001c0000207000000000000c0000201"))));
        byte[] nops = new byte[40];
        Arrays.fill(nops, (byte) 1);
        t.add(new Case("ipv4 options (IHL 15) udp", eth(ipv4(V4_PORTS, nops, 0, IpProtocol.UDP, udp))));
        // The option bytes hold the rule's port where a fixed-offset walk would look for it.
        t.add(new Case("ipv4 options hiding the port", eth(ipv4(V4_PORTS, new byte[] {1, 1, 0x1e, 0x61}, 0, IpProtocol.UDP,
                udp(40000, PORT + 1, 12)))));
        t.add(new Case("ipv4 IHL 4", set(eth(ipv4(V4_PORTS, IpProtocol.UDP, udp)), 14, 0x44)));
        t.add(new Case("ipv4 IHL 15 beyond the frame", set(eth(ipv4(V4_PORTS, IpProtocol.UDP, udp)), 14, 0x4f)));
        t.add(new Case("ipv4 IHL 6 beyond Total Length", set(set16(eth(ipv4(V4_PORTS, IpProtocol.UDP, udp)), 16, 20), 14, 0x46)));
        t.add(new Case("ipv4 version 6", set(eth(ipv4(V4_PORTS, IpProtocol.UDP, udp)), 14, 0x65)));
        t.add(new Case("ipv4 Total Length beyond the frame", set16(eth(ipv4(V4_PORTS, IpProtocol.UDP, udp)), 16, 200)));
        t.add(new Case("ipv4 reserved flag", eth(ipv4(V4_PORTS, new byte[0], 0x8000, IpProtocol.UDP, udp))));
        t.add(new Case("ipv4 tcp", eth(ipv4(V4_PORTS, IpProtocol.TCP, tcp(40000, PORT, 5)))));
        t.add(new Case("ipv4 tcp data offset 4", eth(ipv4(V4_PORTS, IpProtocol.TCP, tcp(40000, PORT, 4)))));
        t.add(new Case("ipv4 tcp cut to 10 bytes", eth(ipv4(V4_PORTS, IpProtocol.TCP, Arrays.copyOf(tcp(40000, PORT, 5), 10)))));
        t.add(new Case("ipv4 udp length beyond the datagram", eth(ipv4(V4_PORTS, IpProtocol.UDP, set16(udp.clone(), 4, 99)))));
        t.add(new Case("ipv4 icmp echo", eth(ipv4(V4_PORTS, IpProtocol.ICMP, icmp(8)))));
        t.add(new Case("ipv4 icmp cut to 4 bytes", eth(ipv4(V4_PORTS, IpProtocol.ICMP, Arrays.copyOf(icmp(8), 4)))));
        t.add(new Case("ipv4 first fragment", eth(ipv4(V4_PORTS, new byte[0], 0x2000, IpProtocol.UDP, udp(40000, PORT, 32)))));
        t.add(new Case("ipv4 later fragment, port rule", eth(ipv4(V4_PORTS, new byte[0], 185, IpProtocol.UDP, udp))));
        t.add(new Case("ipv4 later fragment, protocol rule", eth(ipv4(V4_UDP_ANY, new byte[0], 185, IpProtocol.UDP, udp))));
        t.add(new Case("ipv4 later fragment, port bytes of the rule", eth(ipv4(V4_PORTS, new byte[0], 0x2000 | 185,
                IpProtocol.UDP, udp(40000, PORT, 12)))));

        byte[] udp6 = udp(40000, PORT, 12);
        t.add(new Case("ipv6 udp", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6))));
        t.add(new Case("ipv6 udp other port", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp(40000, PORT + 1, 12)))));
        t.add(new Case("QinQ ipv6 tcp", eth(new int[] {0x88a8, 0x8100}, 0x86dd, ipv6(V6_PORTS, IpProtocol.TCP, tcp(1, PORT, 5)))));
        t.add(new Case("ipv6 hop-by-hop udp", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, ext(0)))));
        t.add(new Case("ipv6 hbh dst routing udp", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, ext(0), ext(60), ext(43)))));
        t.add(new Case("ipv6 authentication header udp", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, ah()))));
        t.add(new Case("ipv6 16-byte dst options udp", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, ext(60, 1)))));
        t.add(new Case("ipv6 first fragment", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp(40000, PORT, 32), fragment(0, true)))));
        t.add(new Case("ipv6 atomic fragment", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, fragment(0, false)))));
        t.add(new Case("ipv6 later fragment, port rule", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, fragment(1480, true)))));
        t.add(new Case("ipv6 later fragment, address rule", eth(ipv6(V6_ANY, IpProtocol.UDP, udp6, fragment(1480, false)))));
        t.add(new Case("ipv6 later fragment followed by header-like data",
                eth(ipv6(V6_ANY, IpProtocol.DSTOPTS, set(udp6.clone(), 1, 200), fragment(1480, false)))));
        t.add(new Case("ipv6 hop-by-hop not first", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, ext(60), ext(0)))));
        t.add(new Case("ipv6 eight extension headers", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, chain(8)))));
        t.add(new Case("ipv6 nine extension headers", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, chain(9)))));
        t.add(new Case("ipv6 extension header beyond the payload", eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6, ext(60, 9)))));
        t.add(new Case("ipv6 payload length beyond the frame", set16(eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6)), 18, 300)));
        t.add(new Case("ipv6 version 4", set(eth(ipv6(V6_PORTS, IpProtocol.UDP, udp6)), 14, 0x45)));
        t.add(new Case("ipv6 icmpv6 echo, address rule", eth(ipv6(V6_ANY, IpProtocol.ICMPV6, icmp(128)))));
        t.add(new Case("ipv6 icmpv6 cut to 4 bytes", eth(ipv6(V6_ANY, IpProtocol.ICMPV6, Arrays.copyOf(icmp(128), 4)))));
        t.add(new Case("ipv6 no next header", eth(ipv6(V6_ANY, IpProtocol.NO_NEXT_HEADER, new byte[6]))));
        t.add(new Case("ipv6 esp", eth(ipv6(V6_ANY, IpProtocol.ESP, new byte[24]))));
        t.add(new Case("ipv6 tcp data offset 4", eth(ipv6(V6_PORTS, IpProtocol.TCP, tcp(1, PORT, 4)))));

        // VIP rules: their ports, their protocol's later fragments, their ICMP; not neighbour discovery.
        t.add(new Case("vip4 udp", eth(ipv4(V4_VIP, IpProtocol.UDP, udp))));
        t.add(new Case("vip4 udp other port", eth(ipv4(V4_VIP, IpProtocol.UDP, udp(40000, PORT + 1, 12)))));
        t.add(new Case("vip4 tcp, all-ports vip", eth(ipv4(V4_VIP, IpProtocol.TCP, tcp(40000, 22, 5)))));
        t.add(new Case("vip4 udp first fragment other port", eth(ipv4(V4_VIP, new byte[0], 0x2000, IpProtocol.UDP,
                udp(40000, PORT + 1, 32)))));
        t.add(new Case("vip4 udp later fragment", eth(ipv4(V4_VIP, new byte[0], 185, IpProtocol.UDP, udp))));
        t.add(new Case("vip4 gre later fragment", eth(ipv4(V4_VIP, new byte[0], 185, 47, udp))));
        t.add(new Case("vip4 icmp echo", eth(ipv4(V4_VIP, IpProtocol.ICMP, icmp(8)))));
        t.add(new Case("vip4 icmp echo behind options", eth(ipv4(V4_VIP, nops, 0, IpProtocol.ICMP, icmp(8)))));
        t.add(new Case("vip4 icmp fragmentation needed", eth(ipv4(V4_VIP, IpProtocol.ICMP, icmp(3, 4)))));
        t.add(new Case("vip4 icmp port unreachable", eth(ipv4(V4_VIP, IpProtocol.ICMP, icmp(3, 3)))));
        t.add(new Case("vip4 icmp echo reply", eth(ipv4(V4_VIP, IpProtocol.ICMP, icmp(0)))));
        t.add(new Case("vip4 icmp echo later fragment", eth(ipv4(V4_VIP, new byte[0], 185, IpProtocol.ICMP, icmp(8)))));
        t.add(new Case("vip4 icmp echo cut to 4 bytes", eth(ipv4(V4_VIP, IpProtocol.ICMP, Arrays.copyOf(icmp(8), 4)))));
        t.add(new Case("vip6 tcp", eth(ipv6(V6_VIP, IpProtocol.TCP, tcp(1, PORT, 5)))));
        t.add(new Case("vip6 tcp other port", eth(ipv6(V6_VIP, IpProtocol.TCP, tcp(1, PORT + 1, 5)))));
        t.add(new Case("vip6 tcp behind hbh dst routing", eth(ipv6(V6_VIP, IpProtocol.TCP, tcp(1, PORT, 5), ext(0), ext(60),
                ext(43)))));
        t.add(new Case("vip6 tcp first fragment", eth(ipv6(V6_VIP, IpProtocol.TCP, tcp(1, PORT, 5), fragment(0, true)))));
        t.add(new Case("vip6 tcp later fragment", eth(ipv6(V6_VIP, IpProtocol.TCP, udp6, fragment(1480, false)))));
        t.add(new Case("vip6 udp later fragment", eth(ipv6(V6_VIP, IpProtocol.UDP, udp6, fragment(1480, true)))));
        t.add(new Case("vip6 icmpv6 echo", eth(ipv6(V6_VIP, IpProtocol.ICMPV6, icmp(128)))));
        t.add(new Case("vip6 icmpv6 echo behind hop-by-hop", eth(ipv6(V6_VIP, IpProtocol.ICMPV6, icmp(128), ext(0)))));
        t.add(new Case("vip6 icmpv6 packet too big", eth(ipv6(V6_VIP, IpProtocol.ICMPV6, icmp(2)))));
        t.add(new Case("vip6 icmpv6 destination unreachable", eth(ipv6(V6_VIP, IpProtocol.ICMPV6, icmp(1, 4)))));
        t.add(new Case("vip6 icmpv6 neighbour solicitation", eth(ipv6(V6_VIP, IpProtocol.ICMPV6, icmp(135)))));
        t.add(new Case("vip6 icmpv6 echo later fragment", eth(ipv6(V6_VIP, IpProtocol.ICMPV6, icmp(128), fragment(8, false)))));
        t.add(new Case("vip6 icmpv6 in ipv4", eth(ipv4(V4_VIP, IpProtocol.ICMPV6, icmp(128)))));

        // Every truncation of two deep frames: each layer cut at every byte.
        byte[] deep4 = eth(new int[] {0x88a8, 0x8100}, 0x0800, ipv4(V4_PORTS, new byte[] {1, 1, 1, 0}, 0, IpProtocol.TCP,
                tcp(40000, PORT, 5)));
        byte[] deep6 = eth(new int[] {0x8100}, 0x86dd, ipv6(V6_PORTS, IpProtocol.UDP, udp6, ext(0), fragment(0, true)));
        for (byte[] deep : List.of(deep4, deep6)) {
            String name = deep == deep4 ? "QinQ ipv4 options tcp" : "vlan ipv6 hbh fragment udp";
            t.add(new Case(name, deep));
            for (int length = 0; length < deep.length; length++) {
                t.add(new Case(name + " cut to " + length, Arrays.copyOf(deep, length)));
            }
        }
        return t;
    }

    // ---------------------------------------------------------------- the test

    @Test
    void parserWalkHasherSwapsAndSteeringProgramAgreeOnEveryFrame() throws Exception {
        List<Case> table = table();
        boolean[] expectSteered = new boolean[table.size()];
        try (Arena arena = Arena.ofConfined()) {
            PacketParser parser = new PacketParser();
            FlowHasher hasher = new FlowHasher(Toeplitz.microsoft());
            for (int i = 0; i < table.size(); i++) {
                Case c = table.get(i);
                MemorySegment frame = arena.allocate(Math.max(c.frame.length, 1));
                MemorySegment.copy(c.frame, 0, frame, JAVA_BYTE, 0, c.frame.length);
                parser.parse(frame, 0, c.frame.length);
                checkWalk(c, parser, HeaderWalk.walk(frame, 0, c.frame.length));
                checkHash(c, parser, hasher, frame);
                checkSwap(c, parser, arena);
                expectSteered[i] = steered(parser);
            }
        }
        assertThat(countTrue(expectSteered)).as("steered frames in the table").isBetween(20, table.size() - 100);

        try (NetnsPair box = NetnsPair.create("walk")) {
            AfXdpOptions options = AfXdpOptions.defaults().withSteering(true);
            try (AfXdpInterface port = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, new int[] {0}, options);
                 AfPacketPort sender = AfPacketSystemTest.openIn(box.nsB, box.ifB, AfPacketOptions.defaults())) {
                for (SteeringRule rule : RULES) {
                    port.steer(rule);
                }
                checkProgramTestRun(table, expectSteered, port.program().fd(), port);
                checkOnTheWire(table, expectSteered, port.queue(0), sender);
            }
        }
    }

    private static void checkWalk(Case c, PacketParser p, long walk) {
        String n = c.name;
        int code = p.result();
        boolean arp = p.etherType() == 0x0806;
        if (arp) {
            assertThat(HeaderWalk.code(walk)).as(n).isEqualTo(ParseResult.UNSUPPORTED_ETHERTYPE);
            return;
        }
        assertThat(ParseResult.name(HeaderWalk.code(walk))).as(n + ": walk code").isEqualTo(ParseResult.name(code));
        if (p.l3Offset() >= 0) {
            assertThat(HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk))).as(n + ": L3 offset").isEqualTo(p.l3Offset());
        }
        if (code != ParseResult.OK) {
            assertThat(HeaderWalk.hasPorts(walk)).as(n + ": ports of a refused frame").isFalse();
            return;
        }
        assertThat(HeaderWalk.l4Protocol(walk)).as(n + ": L4 protocol").isEqualTo(p.l4Protocol());
        assertThat(HeaderWalk.isLaterFragment(walk)).as(n + ": later fragment").isEqualTo(p.isLaterFragment());
        assertThat(HeaderWalk.isFragment(walk)).as(n + ": fragment").isEqualTo(p.isFragment());
        if (p.hasL4Header()) {
            assertThat(HeaderWalk.l4Offset(walk)).as(n + ": L4 offset").isEqualTo(p.l4Offset());
        } else {
            assertThat(HeaderWalk.l4Offset(walk)).as(n + ": payload offset").isEqualTo(p.payloadOffset());
        }
        assertThat(HeaderWalk.hasPorts(walk)).as(n + ": ports").isEqualTo(hasPorts(p));
    }

    private static boolean hasPorts(PacketParser p) {
        return p.isOk() && p.hasL4Header() && (p.l4Protocol() == IpProtocol.TCP || p.l4Protocol() == IpProtocol.UDP);
    }

    /** The parser reached valid addresses: OK, or refused at L4. */
    private static boolean hasAddresses(PacketParser p) {
        return p.ipVersion() != 0 && (p.isOk() || ParseResult.layer(p.result()) == 4);
    }

    private static void checkHash(Case c, PacketParser p, FlowHasher hasher, MemorySegment frame) {
        int expected = 0;
        if (hasAddresses(p)) {
            ByteArrayOutputStream input = new ByteArrayOutputStream();
            int source = p.l3Offset() + (p.ipVersion() == 4 ? 12 : 8);
            input.write(c.frame, source, p.ipVersion() == 4 ? 8 : 32);
            if (hasPorts(p) && !p.isFragment()) {
                input.write(c.frame, p.l4Offset(), 4);
            }
            expected = hasher.toeplitz().hash(input.toByteArray());
        }
        assertThat(hasher.hash(frame, 0, c.frame.length)).as(c.name + ": hash").isEqualTo(expected);
    }

    private static void checkSwap(Case c, PacketParser p, Arena arena) {
        byte[] expected = c.frame.clone();
        if (hasAddresses(p)) {
            int source = p.l3Offset() + (p.ipVersion() == 4 ? 12 : 8);
            int size = p.ipVersion() == 4 ? 4 : 16;
            swap(expected, source, source + size, size);
            if (hasPorts(p)) {
                swap(expected, p.l4Offset(), p.l4Offset() + 2, 2);
            }
        }
        MemorySegment copy = arena.allocate(Math.max(c.frame.length, 1));
        MemorySegment.copy(c.frame, 0, copy, JAVA_BYTE, 0, c.frame.length);
        HeaderSwaps.swapFiveTuple(copy, 0, c.frame.length);
        assertThat(HexFormat.of().formatHex(Arrays.copyOf(copy.toArray(JAVA_BYTE), c.frame.length)))
                .as(c.name + ": five-tuple swap").isEqualTo(HexFormat.of().formatHex(expected));
    }

    /** What the rules say for the parser's view of the frame. */
    private static boolean steered(PacketParser p) {
        if (!p.isOk() || p.ipVersion() == 0) {
            return false;
        }
        InetAddress destination = p.ipVersion() == 4
                ? inet(ByteBuffer.allocate(4).putInt(p.ipv4Destination()).array())
                : inet(ByteBuffer.allocate(16).putLong(p.ipv6DestinationHigh()).putLong(p.ipv6DestinationLow()).array());
        for (SteeringRule r : RULES) {
            if (r.address().equals(destination) && (r.isVip() ? vipTakes(r, p)
                    : (r.protocol() == SteeringRule.ANY || r.protocol() == p.l4Protocol())
                    && (r.port() == SteeringRule.ANY || (hasPorts(p) && r.port() == p.destinationPort())))) {
                return true;
            }
        }
        return false;
    }

    /** SteeringRule's table for a VIP, on a well-formed packet to its address. */
    private static boolean vipTakes(SteeringRule vip, PacketParser p) {
        if (p.l4Protocol() == vip.protocol()) {
            return p.isLaterFragment()
                    || hasPorts(p) && (vip.port() == SteeringRule.ANY || vip.port() == p.destinationPort());
        }
        if (p.isLaterFragment()) {
            return false;
        }
        if (p.ipVersion() == 4 && p.l4Protocol() == IpProtocol.ICMP) {
            return p.icmpType() == 8 || p.icmpType() == 3 && p.icmpCode() == 4;
        }
        if (p.ipVersion() == 6 && p.l4Protocol() == IpProtocol.ICMPV6) {
            return p.icmpType() == 128 || p.icmpType() == 2;
        }
        return false;
    }

    /** Under BPF_PROG_TEST_RUN: the verdict, and the counter a frame the walk refuses lands in. */
    private static void checkProgramTestRun(List<Case> table, boolean[] expectSteered, int programFd, AfXdpInterface port) {
        PacketParser p = new PacketParser();
        for (int i = 0; i < table.size(); i++) {
            Case c = table.get(i);
            if (c.frame.length < 14) {
                continue; // the kernel hands XDP no frame shorter than an Ethernet header
            }
            XdpCounters before = port.program().counters().orElseThrow();
            int verdict = Bpf.progTestRun(programFd, c.frame).retval();
            XdpCounters after = port.program().counters().orElseThrow();
            assertThat(verdict).as(c.name + ": test-run verdict")
                    .isEqualTo(expectSteered[i] ? XdpAction.REDIRECT : XdpAction.PASS);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment frame = arena.allocate(c.frame.length);
                MemorySegment.copy(c.frame, 0, frame, JAVA_BYTE, 0, c.frame.length);
                p.parse(frame, 0, c.frame.length);
                int walkCode = HeaderWalk.code(HeaderWalk.walk(frame, 0, c.frame.length));
                if (!expectSteered[i]) {
                    long expectedCounterDelta = switch (ParseResult.category(walkCode)) {
                        case ParseResult.CATEGORY_OK -> after.notMatched() - before.notMatched();
                        case ParseResult.CATEGORY_UNSUPPORTED -> after.notIp() - before.notIp();
                        default -> after.malformed() - before.malformed();
                    };
                    // At least: the peer's kernel may send a frame of its own in between.
                    assertThat(expectedCounterDelta).as(c.name + ": counted as " + ParseResult.name(walkCode))
                            .isGreaterThanOrEqualTo(1);
                }
            }
        }
    }

    /** On the wire: each frame, then a sentinel; what reached the socket before the sentinel was steered. */
    private static void checkOnTheWire(List<Case> table, boolean[] expectSteered, AfXdpQueue port, AfPacketPort sender) {
        PacketBatch out = sender.newBatch(2);
        PacketBatch in = port.newBatch(64);
        List<String> disagreements = new ArrayList<>();
        int sent = 0;
        for (int i = 0; i < table.size(); i++) {
            Case c = table.get(i);
            if (c.frame.length < 14) {
                continue;
            }
            byte[] sentinel = eth(ipv4(V4_PORTS, IpProtocol.UDP, udp(40001, PORT, SENTINEL_PAYLOAD)));
            ByteBuffer.wrap(sentinel).putLong(sentinel.length - 8, i);
            assertThat(sender.allocate(out, 2, 0)).as("AF_PACKET TX frames").isEqualTo(2);
            put(out, 0, c.frame);
            put(out, 1, sentinel);
            assertThat(sender.transmit(out)).as(c.name + ": transmitted").isEqualTo(2);
            sent++;
            boolean seenFrame = false;
            boolean seenSentinel = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!seenSentinel && System.nanoTime() < deadline) {
                int n = port.receive(in);
                for (int k = 0; k < n; k++) {
                    byte[] got = in.packet(k).segment().asSlice(in.packet(k).offset(), in.packet(k).length()).toArray(JAVA_BYTE);
                    if (Arrays.equals(got, sentinel)) {
                        seenSentinel = true;
                    } else if (Arrays.equals(got, c.frame)) {
                        seenFrame = true;
                    }
                }
                if (n > 0) {
                    port.release(in);
                } else {
                    Thread.onSpinWait();
                }
            }
            assertThat(seenSentinel).as(c.name + ": the sentinel after it reached the socket").isTrue();
            if (seenFrame != expectSteered[i]) {
                disagreements.add(c.name + (seenFrame ? ": steered on the wire, the parser says pass"
                        : ": passed on the wire, the parser says steer"));
            }
        }
        assertThat(sent).isGreaterThan(100);
        assertThat(disagreements).isEmpty();
    }

    private static void put(PacketBatch b, int i, byte[] frame) {
        MemorySegment.copy(frame, 0, b.umem(), JAVA_BYTE, b.address(i), frame.length);
        b.setLength(i, frame.length);
    }

    // ---------------------------------------------------------------- frame building

    private static byte[] eth(byte[] ip) {
        return eth(new int[0], ip.length > 0 && (ip[0] >>> 4) == 6 ? 0x86dd : 0x0800, ip);
    }

    private static byte[] eth(int[] tpids, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 4 * tpids.length + payload.length);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        for (int tpid : tpids) {
            b.putShort((short) tpid).putShort((short) 100);
        }
        return b.putShort((short) etherType).put(payload).array();
    }

    private static byte[] ipv4(byte[] dst, int protocol, byte[] l4) {
        return ipv4(dst, new byte[0], 0, protocol, l4);
    }

    /** {@code flagsAndOffset}: the 16-bit word (0x2000 = MF, low 13 bits = offset in 8-byte units). */
    private static byte[] ipv4(byte[] dst, byte[] options, int flagsAndOffset, int protocol, byte[] l4) {
        int hl = 20 + options.length;
        ByteBuffer b = ByteBuffer.allocate(hl + l4.length);
        b.put((byte) (0x40 | hl / 4)).put((byte) 0).putShort((short) (hl + l4.length))
                .putShort((short) 0x1234).putShort((short) flagsAndOffset)
                .put((byte) 64).put((byte) protocol).putShort((short) 0)
                .put(V4_SOURCE).put(dst).put(options).put(l4);
        return b.array();
    }

    private static byte[] ipv6(byte[] dst, int protocol, byte[] l4, byte[]... extensions) {
        int extLength = Arrays.stream(extensions).mapToInt(e -> e.length).sum();
        ByteBuffer b = ByteBuffer.allocate(40 + extLength + l4.length);
        b.putInt(0x6000_0000).putShort((short) (extLength + l4.length))
                .put((byte) (extensions.length == 0 ? protocol : extensions[0][0] & 0xff))
                .put((byte) 64).put(V6_SOURCE).put(dst);
        for (int i = 0; i < extensions.length; i++) {
            byte[] e = extensions[i].clone();
            e[0] = (byte) (i + 1 < extensions.length ? extensions[i + 1][0] : protocol); // its Next Header
            b.put(e);
        }
        return b.put(l4).array();
    }

    /**
     * An extension header: byte 0 is its own type until {@link #ipv6} replaces it with the next
     * header's; {@code units} extra 8-byte units (a length field beyond the payload when too many).
     */
    private static byte[] ext(int type, int units) {
        byte[] e = new byte[8 * (1 + Math.min(units, 1))];
        e[0] = (byte) type;
        e[1] = (byte) units;
        return e;
    }

    private static byte[] ext(int type) {
        return ext(type, 0);
    }

    private static byte[][] chain(int n) {
        byte[][] c = new byte[n][];
        for (int i = 0; i < n; i++) {
            c[i] = ext(IpProtocol.DSTOPTS);
        }
        return c;
    }

    private static byte[] ah() {
        byte[] e = new byte[12]; // (Payload Len 1 + 2) * 4
        e[0] = (byte) IpProtocol.AH;
        e[1] = 1;
        return e;
    }

    private static byte[] fragment(int offsetBytes, boolean more) {
        byte[] e = new byte[8];
        e[0] = (byte) IpProtocol.FRAGMENT;
        ByteBuffer.wrap(e).putShort(2, (short) (offsetBytes | (more ? 1 : 0))).putInt(4, 0xabcd);
        return e;
    }

    private static byte[] udp(int sport, int dport, int payload) {
        return ByteBuffer.allocate(8 + payload).putShort((short) sport).putShort((short) dport)
                .putShort((short) (8 + payload)).putShort((short) 0).array();
    }

    private static byte[] tcp(int sport, int dport, int dataOffset) {
        return ByteBuffer.allocate(20).putShort((short) sport).putShort((short) dport).putInt(1).putInt(0)
                .put((byte) (dataOffset << 4)).put((byte) 0x02).putShort((short) 1024).putInt(0).array();
    }

    private static byte[] icmp(int type) {
        return icmp(type, 0);
    }

    private static byte[] icmp(int type, int code) {
        return new byte[] {(byte) type, (byte) code, 0, 0, 0, 1, 0, 1};
    }

    private static byte[] set(byte[] f, int at, int value) {
        f[at] = (byte) value;
        return f;
    }

    private static byte[] set16(byte[] f, int at, int value) {
        ByteBuffer.wrap(f).putShort(at, (short) value);
        return f;
    }

    private static void swap(byte[] f, int a, int b, int size) {
        for (int k = 0; k < size; k++) {
            byte t = f[a + k];
            f[a + k] = f[b + k];
            f[b + k] = t;
        }
    }

    private static int countTrue(boolean[] values) {
        int n = 0;
        for (boolean v : values) {
            n += v ? 1 : 0;
        }
        return n;
    }

    private static byte[] address(String literal) {
        return inet(literal).getAddress();
    }

    private static InetAddress inet(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static InetAddress inet(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
