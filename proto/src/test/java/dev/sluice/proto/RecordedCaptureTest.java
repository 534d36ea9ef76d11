package dev.sluice.proto;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checks of {@link KernelStackCaptureTest} on a fixed capture of kernel traffic committed as a
 * test resource (see {@code src/test/resources/proto/README.md}), so they run everywhere, without
 * root or tshark, plus checks that need known frames.
 */
class RecordedCaptureTest {
    private static List<PcapReader.Frame> frames;
    private final PacketParser p = new PacketParser();

    @BeforeAll
    static void load() throws IOException {
        frames = PcapReader.read(resource("kernel-stack.pcap"));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = RecordedCaptureTest.class.getResourceAsStream("/proto/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private PcapReader.Frame parse(int number) {
        PcapReader.Frame f = frames.get(number - 1);
        assertThat(p.parse(ExactSegment.of(f.data()).frame, 0, f.data().length)).isEqualTo(ParseResult.OK);
        return f;
    }

    @Test
    void everyFrameParsesOkAndEveryChecksumVerifies() {
        CaptureVerifier v = new CaptureVerifier().verify(frames);
        assertThat(frames).hasSize(73);
        assertThat(v.problems).isEmpty();
        assertThat(v.kinds.keySet()).containsAll(KernelStackCaptureTest.EXPECTED_KINDS);
        assertThat(v.kinds).containsEntry("l4-checksum-valid", 59).containsEntry("reassembled-checksum-valid", 4);
        assertThat(v.counts[ParseResult.OK]).isEqualTo(73);
    }

    @Test
    void agreesWithWiresharksDissection() throws IOException {
        String tsv = new String(resource("kernel-stack.tshark.tsv"), StandardCharsets.UTF_8);
        assertThat(TsharkFields.compare(frames, tsv)).isEmpty();
    }

    @Test
    void knownFrames() {
        parse(1); // ARP request
        assertThat(p.arpOperation()).isEqualTo(ArpHeader.OPERATION_REQUEST);

        parse(8); // MLDv2 report: Hop-by-Hop (Router Alert) then ICMPv6
        assertThat(p.ipProtocol()).isEqualTo(IpProtocol.HOPOPT);
        assertThat(p.ipv6ExtensionMask()).isEqualTo(PacketParser.EXT_HOP_BY_HOP);
        assertThat(p.l4Protocol()).isEqualTo(IpProtocol.ICMPV6);
        assertThat(p.icmpType()).isEqualTo(Icmpv6Header.MLDV2_REPORT);
        assertThat(p.l4Offset()).isEqualTo(14 + 40 + 8);

        parse(19); // ping -R: Record Route fills the options to IHL 15
        assertThat(p.ipHeaderLength()).isEqualTo(60);
        assertThat(p.ipv4OptionsLength()).isEqualTo(40);
        assertThat(p.icmpType()).isEqualTo(IcmpHeader.ECHO_REQUEST);
        assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);

        parse(21); // UDP with IP_OPTIONS (8 bytes)
        assertThat(p.ipv4OptionsLength()).isEqualTo(8);
        assertThat(p.destinationPort()).isEqualTo(KernelTraffic.UDP_ECHO_PORT);
        assertThat(p.payloadLength()).isEqualTo("udp4 with record route".length());

        parse(28); // ICMP Port Unreachable quoting frame 27
        assertThat(p.icmpType()).isEqualTo(IcmpHeader.DESTINATION_UNREACHABLE);
        assertThat(p.icmpCode()).isEqualTo(3);

        parse(34); // QinQ injected through AF_PACKET
        assertThat(p.vlanCount()).isEqualTo(2);
        assertThat(p.vlanTpid(0)).isEqualTo(VlanTag.TPID_8021AD);
        assertThat(VlanTag.vlanId(p.vlanTci(0))).isEqualTo(20);
        assertThat(p.vlanId()).isEqualTo(30);
        assertThat(p.destinationPort()).isEqualTo(KernelTraffic.UDP_VLAN_PORT);

        parse(36); // TCP SYN with options
        assertThat(p.tcpFlags()).isEqualTo(TcpHeader.SYN);
        assertThat(p.sourcePort()).isEqualTo(56486);
        assertThat(p.destinationPort()).isEqualTo(KernelTraffic.HTTP_PORT);
        assertThat(p.l4Length()).isEqualTo(40);
        assertThat(p.payloadLength()).isZero();

        parse(62); // IPv4 middle fragment
        assertThat(p.isLaterFragment()).isTrue();
        assertThat(p.moreFragments()).isTrue();
        assertThat(p.fragmentOffset()).isEqualTo(1480);
        assertThat(p.fragmentId()).isEqualTo(0x8e91);
        assertThat(p.hasL4Header()).isFalse();

        parse(67); // IPv6 first fragment
        assertThat(p.ipv6ExtensionMask()).isEqualTo(PacketParser.EXT_FRAGMENT);
        assertThat(p.fragmentId()).isEqualTo(0x79cdb010);
        assertThat(p.isLaterFragment()).isFalse();
        assertThat(p.icmpType()).isEqualTo(Icmpv6Header.ECHO_REQUEST);
        parse(68);
        assertThat(p.fragmentOffset()).isEqualTo(1448);
        assertThat(p.l4Protocol()).isEqualTo(IpProtocol.ICMPV6);
    }

    @Test
    void everyPrefixOfEveryRealFrameIsTruncatedOrMalformed() {
        long ok = 0;
        for (PcapReader.Frame f : frames) {
            for (int len = 0; len < f.data().length; len++) {
                int code = p.parse(ExactSegment.of(f.data(), len).frame, 0, len);
                ok += code == ParseResult.OK ? 1 : 0;
                p.verifyL4Checksum();
                assertThat(ParseResult.category(code)).as("frame %d cut to %d", f.number(), len)
                        .isIn(ParseResult.CATEGORY_TRUNCATED, ParseResult.CATEGORY_MALFORMED);
            }
        }
        assertThat(ok).isZero();
    }

    /**
     * What the load balancer does: rewrite the destination address (and port) of real kernel
     * packets with incremental checksum updates; every checksum must still verify.
     */
    @Test
    void natRewritesOfRealPacketsKeepEveryChecksumValid() {
        Random rnd = new Random(42);
        Ipv4Header ip4 = new Ipv4Header();
        Ipv6Header ip6 = new Ipv6Header();
        TcpHeader tcp = new TcpHeader();
        UdpHeader udp = new UdpHeader();
        int rewritten = 0;
        for (PcapReader.Frame f : frames) {
            for (int round = 0; round < 20; round++) {
                ExactSegment s = ExactSegment.of(f.data());
                assertThat(p.parse(s.frame, 0, f.data().length)).isEqualTo(ParseResult.OK);
                if (p.ipVersion() == 0 || p.isFragment()) {
                    continue;
                }
                int before = p.verifyL4Checksum();
                if (p.wrapIpv4(ip4)) {
                    ip4.setDestinationAddressAndUpdateChecksums(rnd.nextInt(), p.pseudoHeaderChecksumAt(), p.l4Protocol());
                    ip4.decrementTtlAndUpdateChecksum();
                } else {
                    assertThat(p.wrapIpv6(ip6)).isTrue();
                    ip6.setDestinationAddressAndUpdateChecksum(rnd.nextLong(), rnd.nextLong(), p.pseudoHeaderChecksumAt(), p.l4Protocol());
                }
                if (p.wrapTcp(tcp)) {
                    tcp.setDestinationPortAndUpdateChecksum(rnd.nextInt(0x10000));
                } else if (p.wrapUdp(udp)) {
                    udp.setDestinationPortAndUpdateChecksum(rnd.nextInt(0x10000));
                }
                assertThat(p.parse(s.frame, 0, f.data().length)).isEqualTo(ParseResult.OK);
                if (p.ipVersion() == 4) {
                    assertThat(p.ipv4HeaderChecksumValid()).as("frame %d", f.number()).isTrue();
                }
                assertThat(p.verifyL4Checksum()).as("frame %d", f.number()).isEqualTo(before);
                assertThat(s.guardsIntact()).isTrue();
                rewritten++;
            }
        }
        assertThat(rewritten).isGreaterThan(1000);
    }
}
