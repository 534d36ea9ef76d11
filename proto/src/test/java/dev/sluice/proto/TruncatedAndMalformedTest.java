package dev.sluice.proto;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.ReferenceChecksum;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.sluice.testing.FrameBuilder.IP6_A;
import static dev.sluice.testing.FrameBuilder.IP6_B;
import static dev.sluice.testing.FrameBuilder.IP_A;
import static dev.sluice.testing.FrameBuilder.IP_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every frame is parsed from a slice of exactly its length ({@link ExactSegment}): one byte read
 * past the end throws IndexOutOfBoundsException and fails the test.
 */
class TruncatedAndMalformedTest {
    private final PacketParser p = new PacketParser();
    /** Outcomes counted per code, as a worker would. */
    private final long[] counts = new long[ParseResult.COUNT];
    private final EthernetHeader eth = new EthernetHeader();
    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final IcmpHeader icmp = new IcmpHeader();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final ArpHeader arp = new ArpHeader();

    /** Parses and then touches everything a worker might touch afterwards. */
    private int parseAndUse(ExactSegment s) {
        int code = p.parse(s.frame, 0, (int) s.frame.byteSize());
        counts[code]++;
        p.verifyL4Checksum();
        p.ipv4HeaderChecksumValid();
        p.pseudoHeaderChecksumAt();
        if (p.wrapEthernet(eth)) {
            eth.etherType();
        }
        if (p.wrapIpv4(ip4)) {
            ip4.destinationAddress();
            ip4.headerChecksumValid();
        }
        if (p.wrapIpv6(ip6)) {
            ip6.destinationLow();
        }
        if (p.wrapTcp(tcp)) {
            tcp.urgentPointer();
        }
        if (p.wrapUdp(udp)) {
            udp.checksum();
        }
        if (p.wrapIcmp(icmp)) {
            icmp.sequence();
        }
        if (p.wrapIcmpv6(icmp6) && icmp6.hasTargetAddress()) {
            icmp6.targetAddressLow();
        }
        if (p.wrapArp(arp)) {
            arp.targetProtocolAddress();
        }
        if (code == ParseResult.OK) {
            int len = (int) s.frame.byteSize();
            assertThat(p.l3Offset() + p.l3Length()).isLessThanOrEqualTo(len);
            assertThat(p.l4Offset() + p.l4Length()).isLessThanOrEqualTo(len);
            assertThat(p.payloadOffset() + p.payloadLength()).isLessThanOrEqualTo(len);
        }
        return code;
    }

    @TestFactory
    Stream<DynamicTest> everyPrefixOfEveryFrameIsTruncatedOrMalformedNeverAnException() {
        return SampleFrames.all().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            byte[] f = e.getValue();
            java.util.Arrays.fill(counts, 0); // one instance serves all dynamic tests of the factory
            for (int len = 0; len < f.length; len++) {
                ExactSegment s = ExactSegment.of(f, len);
                int code = parseAndUse(s);
                assertThat(ParseResult.category(code))
                        .as("%s cut to %d bytes gave %s", e.getKey(), len, ParseResult.name(code))
                        .isIn(ParseResult.CATEGORY_TRUNCATED, ParseResult.CATEGORY_MALFORMED);
                assertThat(s.guardsIntact()).isTrue();
            }
            assertThat(parseAndUse(ExactSegment.of(f))).isEqualTo(ParseResult.OK);
            assertThat(counts[ParseResult.OK]).isEqualTo(1);
            assertThat(java.util.Arrays.stream(counts).sum()).isEqualTo(f.length + 1);
        }));
    }

    @Test
    void truncationReportsTheLayer() {
        byte[] f = SampleFrames.tcp4WithOptions();
        assertThat(parseAndUse(ExactSegment.of(f, 13))).isEqualTo(ParseResult.TRUNCATED_ETHERNET);
        assertThat(parseAndUse(ExactSegment.of(f, 30))).isEqualTo(ParseResult.TRUNCATED_IPV4);
        assertThat(parseAndUse(ExactSegment.of(f, 14 + 24))).isEqualTo(ParseResult.TRUNCATED_IPV4); // options cut
        assertThat(parseAndUse(ExactSegment.of(f, 14 + 28))).isEqualTo(ParseResult.MALFORMED_IPV4_TOTAL_LENGTH);
        byte[] q = SampleFrames.qinqUdp4();
        assertThat(parseAndUse(ExactSegment.of(q, 20))).isEqualTo(ParseResult.TRUNCATED_VLAN);
        assertThat(parseAndUse(ExactSegment.of(SampleFrames.arp(), 30))).isEqualTo(ParseResult.TRUNCATED_ARP);
        assertThat(parseAndUse(ExactSegment.of(SampleFrames.udp6(), 50))).isEqualTo(ParseResult.TRUNCATED_IPV6);
        assertThat(ParseResult.layer(ParseResult.TRUNCATED_VLAN)).isEqualTo(2);
        assertThat(ParseResult.layer(ParseResult.TRUNCATED_IPV6)).isEqualTo(3);
        assertThat(ParseResult.layer(ParseResult.TRUNCATED_TCP)).isEqualTo(4);
    }

    /** Headers cut by the IP length (not the frame) are TRUNCATED at their own layer. */
    @Test
    void headersCutByTheIpPayloadAreTruncated() {
        assertThat(withIpv4Length(SampleFrames.tcp4WithOptions(), 28 + 10)).isEqualTo(ParseResult.TRUNCATED_TCP);
        assertThat(withIpv4Length(SampleFrames.tcp4WithOptions(), 28 + 24)).isEqualTo(ParseResult.TRUNCATED_TCP); // options
        assertThat(withIpv4Length(SampleFrames.udp4(), 20 + 7)).isEqualTo(ParseResult.TRUNCATED_UDP);
        assertThat(withIpv4Length(SampleFrames.icmp4(), 20 + 4)).isEqualTo(ParseResult.TRUNCATED_ICMP);
        byte[] e = SampleFrames.icmp6Echo();
        ReferenceChecksum.put16(e, 14 + 4, 6);
        assertThat(parseAndUse(ExactSegment.of(e))).isEqualTo(ParseResult.TRUNCATED_ICMPV6);
        byte[] c = SampleFrames.ipv6ChainTcp();
        ReferenceChecksum.put16(c, 14 + 4, 8 + 16 + 8 + 10); // ends inside the AH
        assertThat(parseAndUse(ExactSegment.of(c))).isEqualTo(ParseResult.TRUNCATED_IPV6_EXTENSION);
        ReferenceChecksum.put16(c, 14 + 4, 4); // ends inside the first extension header
        assertThat(parseAndUse(ExactSegment.of(c))).isEqualTo(ParseResult.TRUNCATED_IPV6_EXTENSION);
    }

    private int withIpv4Length(byte[] f, int total) {
        ReferenceChecksum.put16(f, 14 + 2, total);
        return parseAndUse(ExactSegment.of(f));
    }

    @Test
    void malformedIpv4() {
        byte[] f = SampleFrames.udp4();
        f[14] = 0x55;
        assertThat(parseAndUse(ExactSegment.of(f))).isEqualTo(ParseResult.MALFORMED_IPV4_VERSION);
        f[14] = 0x44;
        assertThat(parseAndUse(ExactSegment.of(f))).isEqualTo(ParseResult.MALFORMED_IPV4_IHL);
        f[14] = 0x45;
        assertThat(withIpv4Length(f, 19)).isEqualTo(ParseResult.MALFORMED_IPV4_TOTAL_LENGTH);
        assertThat(withIpv4Length(f, f.length - 14 + 1)).isEqualTo(ParseResult.MALFORMED_IPV4_TOTAL_LENGTH);
        assertThat(withIpv4Length(f, 0)).isEqualTo(ParseResult.MALFORMED_IPV4_TOTAL_LENGTH);
        withIpv4Length(f, f.length - 14);

        byte[] death = SampleFrames.ipv4LaterFragment();
        ReferenceChecksum.put16(death, 14 + 6, 0x1FFF); // 65528 + 100 bytes > 65535
        assertThat(parseAndUse(ExactSegment.of(death))).isEqualTo(ParseResult.MALFORMED_IPV4_FRAGMENT);
        byte[] evil = SampleFrames.udp4();
        evil[14 + 6] |= (byte) 0x80;
        assertThat(parseAndUse(ExactSegment.of(evil))).isEqualTo(ParseResult.MALFORMED_IPV4_FRAGMENT);
    }

    @Test
    void malformedIpv6() {
        byte[] f = SampleFrames.udp6();
        f[14] = 0x45;
        assertThat(parseAndUse(ExactSegment.of(f))).isEqualTo(ParseResult.MALFORMED_IPV6_VERSION);
        f[14] = 0x60;
        ReferenceChecksum.put16(f, 14 + 4, f.length - 54 + 1);
        assertThat(parseAndUse(ExactSegment.of(f))).isEqualTo(ParseResult.MALFORMED_IPV6_PAYLOAD_LENGTH);
    }

    @Test
    void malformedL4() {
        byte[] t = SampleFrames.tcp4WithOptions();
        t[14 + 28 + 12] = 0x40;
        assertThat(parseAndUse(ExactSegment.of(t))).isEqualTo(ParseResult.MALFORMED_TCP_DATA_OFFSET);
        t[14 + 28 + 12] = (byte) 0xF0; // 60 bytes of header, 133 bytes of segment: fits
        assertThat(parseAndUse(ExactSegment.of(t))).isEqualTo(ParseResult.OK);
        byte[] small = new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 6).tcp(1, 2, 0, 0, new byte[10]).build();
        small[34 + 12] = (byte) 0xF0; // 60 bytes claimed, 30 present
        assertThat(parseAndUse(ExactSegment.of(small))).isEqualTo(ParseResult.TRUNCATED_TCP);

        byte[] u = SampleFrames.udp4();
        ReferenceChecksum.put16(u, 34 + 4, 7);
        assertThat(parseAndUse(ExactSegment.of(u))).isEqualTo(ParseResult.MALFORMED_UDP_LENGTH);
        ReferenceChecksum.put16(u, 34 + 4, u.length - 34 + 1);
        assertThat(parseAndUse(ExactSegment.of(u))).isEqualTo(ParseResult.MALFORMED_UDP_LENGTH);
        ReferenceChecksum.put16(u, 34 + 4, 8 + 10); // shorter than the IP payload: allowed, payload is 10
        assertThat(parseAndUse(ExactSegment.of(u))).isEqualTo(ParseResult.OK);
        assertThat(p.payloadLength()).isEqualTo(10);
        assertThat(p.l4Length()).isEqualTo(18);

        byte[] u6 = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 17).udp(1, 2, new byte[4]).build();
        ReferenceChecksum.put16(u6, 54 + 4, 3);
        assertThat(parseAndUse(ExactSegment.of(u6))).isEqualTo(ParseResult.MALFORMED_UDP_LENGTH);
    }

    /**
     * Random damage to valid frames (fixed seeds): flipped bytes, damaged length fields, cut
     * lengths. Nothing may throw, every code must be a known one, and OK frames must have all
     * offsets inside the frame.
     */
    @Test
    void randomDamageNeverThrows() {
        List<byte[]> frames = new ArrayList<>(SampleFrames.all().values());
        Random rnd = new Random(0x5EED_0001L);
        int[] seen = new int[ParseResult.COUNT];
        for (int i = 0; i < 60_000; i++) {
            byte[] f = frames.get(rnd.nextInt(frames.size())).clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = rnd.nextInt(Math.min(f.length, rnd.nextBoolean() ? 64 : f.length));
                f[at] = (byte) (rnd.nextInt(4) == 0 ? f[at] ^ (1 << rnd.nextInt(8)) : rnd.nextInt(256));
            }
            int len = rnd.nextInt(3) == 0 ? rnd.nextInt(f.length + 1) : f.length;
            int code = parseAndUse(ExactSegment.of(f, len));
            assertThat(code).isBetween(0, ParseResult.COUNT - 1);
            seen[code]++;
        }
        assertThat(seen[ParseResult.OK]).isPositive();
        long kinds = java.util.Arrays.stream(seen).filter(n -> n > 0).count();
        assertThat(kinds).as("distinct outcomes seen").isGreaterThan(15);
        assertThat(java.util.Arrays.stream(counts).sum()).isEqualTo(60_000);
    }

    @Test
    void everyCodeHasANameAndACategory() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int code = 0; code < ParseResult.COUNT; code++) {
            String n = ParseResult.name(code);
            assertThat(names.add(n)).as(n).isTrue();
            String prefix = switch (ParseResult.category(code)) {
                case ParseResult.CATEGORY_OK -> "ok";
                case ParseResult.CATEGORY_TRUNCATED -> "truncated_";
                case ParseResult.CATEGORY_MALFORMED -> "malformed_";
                default -> "unsupported_";
            };
            assertThat(n).startsWith(prefix);
            assertThat(ParseResult.layer(code)).isBetween(code == 0 ? 0 : 2, 4);
        }
        assertThat(ParseResult.name(ParseResult.COUNT)).isEqualTo("unknown");
    }
}
