package dev.sluice.proto;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.ReferenceChecksum;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ChecksumsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc1071Example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded); the checksum is its complement.
        MemorySegment s = ExactSegment.of(HEX.parseHex("0001f203f4f5f6f7")).frame;
        assertThat(Checksums.fold(Checksums.sum(s, 0, 8, 0))).isEqualTo(~0xddf2 & 0xFFFF);
    }

    @Test
    void knownIpv4Header() {
        // A textbook header: 192.168.0.1 -> 192.168.0.199, UDP, checksum b861.
        byte[] h = HEX.parseHex("450000730000400040110000c0a80001c0a800c7");
        MemorySegment s = ExactSegment.of(h).frame;
        Checksums.setIpv4Header(s, 0);
        assertThat(Short.toUnsignedInt(s.get(NetworkOrder.U16, 10))).isEqualTo(0xb861);
        assertThat(Checksums.ipv4HeaderValid(s, 0)).isTrue();
        s.set(NetworkOrder.U16, 10, (short) 0xb862);
        assertThat(Checksums.ipv4HeaderValid(s, 0)).isFalse();
    }

    @Test
    void sumMatchesTheReferenceAtAnyOffsetAndLength() {
        Random rnd = new Random(11);
        for (int i = 0; i < 5_000; i++) {
            byte[] data = new byte[1 + rnd.nextInt(300)];
            rnd.nextBytes(data);
            int off = rnd.nextInt(data.length);
            int len = rnd.nextInt(data.length - off + 1);
            MemorySegment s = ExactSegment.of(data).frame;
            assertThat(Checksums.fold(Checksums.sum(s, off, len, 0)))
                    .isEqualTo(ReferenceChecksum.checksum(data, off, len, 0));
        }
    }

    @Test
    void l4ChecksumsOverBothPseudoHeadersAgreeWithTheReference() {
        Random rnd = new Random(12);
        for (int i = 0; i < 2_000; i++) {
            boolean v6 = rnd.nextBoolean();
            int proto = switch (rnd.nextInt(3)) {
                case 0 -> 6;
                case 1 -> 17;
                default -> v6 ? 58 : 1;
            };
            byte[] f = randomFrame(rnd, v6, proto);
            ExactSegment s = ExactSegment.of(f);
            PacketParser p = new PacketParser();
            assertThat(p.parse(s.frame, 0, f.length)).isEqualTo(ParseResult.OK);
            assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_VALID);
            long ip = p.l3Offset();
            long l4 = p.l4Offset();
            int len = p.l4Length();
            int expected = ReferenceChecksum.u16(f, (int) l4 + Checksums.checksumOffset(proto));
            s.frame.set(NetworkOrder.U16, l4 + Checksums.checksumOffset(proto), (short) 0x1111);
            if (v6) {
                Checksums.setL4OverIpv6(s.frame, ip, l4, len, proto);
            } else if (proto == 1) {
                Checksums.setIcmpv4(s.frame, l4, len);
            } else {
                Checksums.setL4OverIpv4(s.frame, ip, l4, len, proto);
            }
            assertThat(s.bytes()).isEqualTo(f);
            assertThat(expected).isNotZero();
            f[f.length - 1] ^= 0x40;
            ExactSegment bad = ExactSegment.of(f);
            p.parse(bad.frame, 0, f.length);
            assertThat(p.verifyL4Checksum()).isEqualTo(PacketParser.CHECKSUM_INVALID);
        }
    }

    @Test
    void udpZeroMeansNoneOverIpv4AndIsInvalidOverIpv6() {
        byte[] f4 = SampleFrames.udp4();
        MemorySegment s4 = ExactSegment.of(f4).frame;
        s4.set(NetworkOrder.U16, 34 + 6, (short) 0);
        assertThat(Checksums.l4OverIpv4Valid(s4, 14, 34, f4.length - 34, 17)).isTrue();
        byte[] f6 = SampleFrames.udp6();
        MemorySegment s6 = ExactSegment.of(f6).frame;
        s6.set(NetworkOrder.U16, 54 + 6, (short) 0);
        assertThat(Checksums.l4OverIpv6Valid(s6, 14, 54, f6.length - 54, 17)).isFalse();
    }

    /** A payload chosen so that the computed UDP checksum is 0: it must go out as 0xFFFF, over both IP versions. */
    @Test
    void udpChecksumThatComputesToZeroIsSentAsAllOnes() {
        for (boolean v6 : new boolean[]{false, true}) {
            byte[] f = v6 ? new FrameBuilder().ethernet().ipv6(FrameBuilder.IP6_A, FrameBuilder.IP6_B, 17).udp(1, 2, new byte[4]).build()
                    : new FrameBuilder().ethernet().ipv4(FrameBuilder.IP_A, FrameBuilder.IP_B, 17).udp(1, 2, new byte[4]).build();
            int l4 = v6 ? 54 : 34;
            int c = ReferenceChecksum.u16(f, l4 + 6);
            // Adding the old checksum as a data word makes the sum 0xFFFF, so the new checksum is 0.
            ReferenceChecksum.put16(f, f.length - 2, c);
            MemorySegment s = ExactSegment.of(f).frame;
            if (v6) {
                Checksums.setL4OverIpv6(s, 14, l4, f.length - l4, 17);
                assertThat(Checksums.l4OverIpv6Valid(s, 14, l4, f.length - l4, 17)).isTrue();
            } else {
                Checksums.setL4OverIpv4(s, 14, l4, f.length - l4, 17);
                assertThat(Checksums.l4OverIpv4Valid(s, 14, l4, f.length - l4, 17)).isTrue();
            }
            assertThat(Short.toUnsignedInt(s.get(NetworkOrder.U16, l4 + 6))).isEqualTo(0xFFFF);
        }
    }

    /**
     * RFC 1624 eqn. 3 on a three-word message against full recomputation, including the
     * troublesome values 0x0000 and 0xFFFF. The third word keeps the message from being all zeros
     * (the one case where a full computation gives 0xFFFF).
     */
    @Test
    void update16And32EqualFullRecomputation() {
        Random rnd = new Random(13);
        int[] special = {0, 0xFFFF, 1, 0xFFFE, 0x8000};
        for (int i = 0; i < 500_000; i++) {
            int w = i < 125 ? special[i % 5] : rnd.nextInt(0x10000);
            int x = i < 125 ? special[(i / 5) % 5] : rnd.nextInt(0x10000);
            int y = i < 125 ? special[(i / 25) % 5] | 1 : rnd.nextInt(0xFFFF) + 1;
            int w2 = rnd.nextInt(4) == 0 ? special[rnd.nextInt(5)] : rnd.nextInt(0x10000);
            assertThat(Checksums.update16(full(w, x, y), w, w2)).isEqualTo(full(w2, x, y));
            int x2 = rnd.nextInt(0x10000);
            assertThat(Checksums.update32(full(w, x, y), (w << 16) | x, (w2 << 16) | x2)).isEqualTo(full(w2, x2, y));
        }
    }

    private static int full(int... words) {
        long s = 0;
        for (int w : words) {
            s += w;
        }
        return Checksums.fold(s);
    }

    @Test
    void update64EqualsTwoUpdate32() {
        Random rnd = new Random(14);
        for (int i = 0; i < 100_000; i++) {
            int c = rnd.nextInt(0xFFFF);
            long a = rnd.nextLong();
            long b = rnd.nextLong();
            int viaHalves = Checksums.update32(Checksums.update32(c, (int) (a >>> 32), (int) (b >>> 32)), (int) a, (int) b);
            assertThat(Checksums.update64(c, a, b)).isEqualTo(viaHalves);
        }
    }

    // ---------------------------------------------------------------- header rewrites

    /**
     * Random header rewrites through the flyweights' {@code AndUpdateChecksum(s)} setters on random
     * frames; afterwards every checksum must be bit for bit what a full recomputation by the
     * reference gives. Fixed seed, many iterations.
     */
    @Test
    void incrementalRewritesEqualFullRecomputation() {
        Random rnd = new Random(0xC0FFEE);
        PacketParser p = new PacketParser();
        Ipv4Header ip4 = new Ipv4Header();
        Ipv6Header ip6 = new Ipv6Header();
        TcpHeader tcp = new TcpHeader();
        UdpHeader udp = new UdpHeader();
        IcmpHeader icmp = new IcmpHeader();
        Icmpv6Header icmp6 = new Icmpv6Header();
        int rewrites = 0;
        for (int i = 0; i < 20_000; i++) {
            boolean v6 = rnd.nextBoolean();
            int proto = switch (rnd.nextInt(3)) {
                case 0 -> 6;
                case 1 -> 17;
                default -> v6 ? 58 : 1;
            };
            byte[] f = randomFrame(rnd, v6, proto);
            boolean udpNone = !v6 && proto == 17 && rnd.nextInt(5) == 0;
            if (udpNone) {
                ReferenceChecksum.put16(f, 14 + (f[14] & 0x0F) * 4 + 6, 0); // after the options
            }
            ExactSegment s = ExactSegment.of(f);
            assertThat(p.parse(s.frame, 0, f.length)).isEqualTo(ParseResult.OK);
            long csAt = p.pseudoHeaderChecksumAt();
            int ops = 1 + rnd.nextInt(3);
            StringBuilder log = new StringBuilder(); // the rewrites, for the failure message
            for (int k = 0; k < ops; k++, rewrites++) {
                int op = rnd.nextInt(4);
                log.append(" ip").append(v6 ? 6 : 4).append("-op").append(op);
                if (!v6) {
                    assertThat(p.wrapIpv4(ip4)).isTrue();
                    switch (op) {
                        case 0 -> ip4.setSourceAddressAndUpdateChecksums(rnd.nextInt(), csAt, proto);
                        case 1 -> ip4.setDestinationAddressAndUpdateChecksums(rnd.nextInt(), csAt, proto);
                        case 2 -> ip4.setTtlAndUpdateChecksum(rnd.nextInt(256));
                        default -> ip4.decrementTtlAndUpdateChecksum();
                    }
                } else {
                    assertThat(p.wrapIpv6(ip6)).isTrue();
                    switch (op) {
                        case 0 -> ip6.setSourceAddressAndUpdateChecksum(rnd.nextLong(), rnd.nextLong(), csAt, proto);
                        case 1 -> ip6.setDestinationAddressAndUpdateChecksum(rnd.nextLong(), rnd.nextLong(), csAt, proto);
                        default -> ip6.setHopLimit(rnd.nextInt(256));
                    }
                }
                switch (proto) {
                    case 6 -> {
                        assertThat(p.wrapTcp(tcp)).isTrue();
                        switch (rnd.nextInt(3)) {
                            case 0 -> tcp.setSourcePortAndUpdateChecksum(rnd.nextInt(0x10000));
                            case 1 -> tcp.setDestinationPortAndUpdateChecksum(rnd.nextInt(0x10000));
                            default -> tcp.setSequenceNumberAndUpdateChecksum(rnd.nextInt());
                        }
                    }
                    case 17 -> {
                        assertThat(p.wrapUdp(udp)).isTrue();
                        if (rnd.nextBoolean()) {
                            udp.setSourcePortAndUpdateChecksum(rnd.nextInt(0x10000));
                        } else {
                            udp.setDestinationPortAndUpdateChecksum(rnd.nextInt(0x10000));
                        }
                    }
                    case 1 -> {
                        assertThat(p.wrapIcmp(icmp)).isTrue();
                        if (rnd.nextBoolean()) {
                            icmp.setIdentifierAndUpdateChecksum(rnd.nextInt(0x10000));
                        } else {
                            icmp.setTypeAndCodeAndUpdateChecksum(rnd.nextInt(256), rnd.nextInt(256));
                        }
                    }
                    default -> {
                        assertThat(p.wrapIcmpv6(icmp6)).isTrue();
                        if (rnd.nextBoolean()) {
                            icmp6.setIdentifierAndUpdateChecksum(rnd.nextInt(0x10000));
                        } else {
                            icmp6.setTypeAndCodeAndUpdateChecksum(128 + rnd.nextInt(2), 0);
                        }
                    }
                }
            }
            byte[] actual = s.bytes();
            byte[] expected = recomputed(actual, v6, proto, udpNone);
            assertThat(HEX.formatHex(actual)).as("iteration %d:%s", i, log).isEqualTo(HEX.formatHex(expected));
            assertThat(s.guardsIntact()).isTrue();
        }
        assertThat(rewrites).isGreaterThan(20_000);
    }

    /** A copy of {@code f} with the IPv4 header and L4 checksums recomputed from scratch by the reference. */
    private static byte[] recomputed(byte[] f, boolean v6, int proto, boolean udpNone) {
        byte[] g = f.clone();
        int ip = 14;
        int l4;
        if (v6) {
            l4 = ip + 40;
        } else {
            int hl = (g[ip] & 0x0F) * 4;
            ReferenceChecksum.put16(g, ip + 10, 0);
            ReferenceChecksum.put16(g, ip + 10, ReferenceChecksum.checksum(g, ip, hl, 0));
            l4 = ip + hl;
        }
        if (udpNone) {
            return g;
        }
        int at = l4 + Checksums.checksumOffset(proto);
        int len = g.length - l4;
        ReferenceChecksum.put16(g, at, 0);
        int initial = proto == 1 ? 0 : v6 ? ReferenceChecksum.pseudoIpv6(g, ip, proto, len) : ReferenceChecksum.pseudoIpv4(g, ip, proto, len);
        int c = ReferenceChecksum.checksum(g, l4, len, initial);
        ReferenceChecksum.put16(g, at, proto == 17 && c == 0 ? 0xFFFF : c);
        return g;
    }

    /** Untagged Ethernet, IPv4 (random options) or IPv6, then {@code proto} with a random payload of 0..199 bytes. */
    static byte[] randomFrame(Random rnd, boolean v6, int proto) {
        byte[] payload = new byte[rnd.nextInt(200)];
        rnd.nextBytes(payload);
        FrameBuilder b = new FrameBuilder().ethernet();
        if (v6) {
            b.ipv6(new long[]{rnd.nextLong(), rnd.nextLong()}, new long[]{rnd.nextLong(), rnd.nextLong()}, proto);
        } else {
            byte[] options = new byte[4 * rnd.nextInt(3)];
            java.util.Arrays.fill(options, (byte) 1); // NOPs
            b.ipv4(rnd.nextInt(), rnd.nextInt(), proto, options, rnd.nextBoolean() ? 0x4000 : 0);
        }
        return switch (proto) {
            case 6 -> b.tcp(rnd.nextInt(0x10000), rnd.nextInt(0x10000), rnd.nextInt(256), 4 * rnd.nextInt(3), payload).build();
            case 17 -> b.udp(rnd.nextInt(0x10000), rnd.nextInt(0x10000), payload).build();
            default -> b.icmp(v6 ? 128 : 8, 0, rnd.nextInt(0x10000), rnd.nextInt(0x10000), payload).build();
        };
    }
}
