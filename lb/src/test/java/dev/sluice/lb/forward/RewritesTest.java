package dev.sluice.lb.forward;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.ReferenceChecksum;
import dev.sluice.umem.Packet;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.sluice.testing.FrameBuilder.IP6_A;
import static dev.sluice.testing.FrameBuilder.IP6_B;
import static dev.sluice.testing.FrameBuilder.IP_A;
import static dev.sluice.testing.FrameBuilder.IP_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every rewrite against an expected frame built here byte by byte (outer headers written field by
 * field, checksums by {@link ReferenceChecksum}), so the test never checks the code with itself.
 */
class RewritesTest {
    static final long OWN_MAC = 0x02_AA_BB_CC_DD_01L;
    static final long NEXT_MAC = 0x02_11_22_33_44_55L;
    static final int OUTER_SRC = FrameBuilder.ipv4("172.16.0.1");
    static final int OUTER_DST = FrameBuilder.ipv4("10.9.8.7");
    static final long[] OUTER_SRC6 = FrameBuilder.ipv6("fd99::1");
    static final long[] OUTER_DST6 = FrameBuilder.ipv6("fd99::2:7");
    static final int SPORT = 0xC123;
    static final int GUE_PORT = 6080;

    // ---------------------------------------------------------------- inputs

    static byte[] tcp4(boolean dontFragment) {
        return new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 6, new byte[0], dontFragment ? 0x4000 : 0)
                .tcp(40000, 80, 0x18, 0, FrameBuilder.bytes(100, 1)).build();
    }

    static byte[] udp4WithVlan() {
        return new FrameBuilder().ethernet().vlan(0x8100, 0x0064).ipv4(IP_A, IP_B, 17, new byte[0], 0)
                .udp(40001, 7777, FrameBuilder.bytes(33, 2)).build();
    }

    static byte[] tcp6WithTwoVlans() {
        return new FrameBuilder().ethernet().vlan(0x88A8, 0x0010).vlan(0x8100, 0x0020).ipv6(IP6_A, IP6_B, 6)
                .tcp(40000, 443, 0x10, 0, FrameBuilder.bytes(200, 3)).build();
    }

    static byte[] udp6() {
        return new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 17).udp(40002, 7778, FrameBuilder.bytes(77, 4)).build();
    }

    /** A TCP SYN: 54 bytes, padded to the Ethernet minimum of 60. */
    static byte[] paddedSyn4() {
        return new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 6).tcp(40000, 80, 0x02, 0, new byte[0]).padTo(60).build();
    }

    // ---------------------------------------------------------------- expected frames, built independently

    /** The L2 header of {@code in} with the MACs {@code OWN_MAC -> NEXT_MAC} and the last EtherType set. */
    static byte[] l2(byte[] in, int l3, int etherType) {
        byte[] l2 = Arrays.copyOf(in, l3);
        put48(l2, 0, NEXT_MAC);
        put48(l2, 6, OWN_MAC);
        ReferenceChecksum.put16(l2, l3 - 2, etherType);
        return l2;
    }

    static int innerLength(byte[] in, int l3) {
        return (in[l3] & 0xF0) == 0x40 ? ReferenceChecksum.u16(in, l3 + 2) : 40 + ReferenceChecksum.u16(in, l3 + 4);
    }

    static byte[] expectedOver4(byte[] in, int l3, boolean gue) {
        int inner = innerLength(in, l3);
        boolean v4 = (in[l3] & 0xF0) == 0x40;
        int added = gue ? 28 : 20;
        byte[] e = new byte[l3 + added + inner];
        System.arraycopy(l2(in, l3, 0x0800), 0, e, 0, l3);
        int o = l3;
        e[o] = 0x45;
        e[o + 1] = v4 ? in[l3 + 1] : (byte) (((in[l3] & 0x0F) << 4) | ((in[l3 + 1] & 0xF0) >>> 4));
        ReferenceChecksum.put16(e, o + 2, added + inner);
        boolean df = !v4 || (in[l3 + 6] & 0x40) != 0;
        if (!df) {
            e[o + 4] = in[l3 + 4];
            e[o + 5] = in[l3 + 5];
        }
        e[o + 6] = (byte) (df ? 0x40 : 0);
        e[o + 8] = 64;
        e[o + 9] = (byte) (gue ? 17 : v4 ? 4 : 41);
        put32(e, o + 12, OUTER_SRC);
        put32(e, o + 16, OUTER_DST);
        ReferenceChecksum.put16(e, o + 10, ReferenceChecksum.checksum(e, o, 20, 0));
        if (gue) {
            ReferenceChecksum.put16(e, o + 20, SPORT);
            ReferenceChecksum.put16(e, o + 22, GUE_PORT);
            ReferenceChecksum.put16(e, o + 24, 8 + inner);
            // checksum stays 0 over IPv4
        }
        System.arraycopy(in, l3, e, l3 + added, inner);
        return e;
    }

    static byte[] expectedOver6(byte[] in, int l3, boolean gue, int flowLabel) {
        int inner = innerLength(in, l3);
        boolean v4 = (in[l3] & 0xF0) == 0x40;
        int added = gue ? 48 : 40;
        byte[] e = new byte[l3 + added + inner];
        System.arraycopy(l2(in, l3, 0x86DD), 0, e, 0, l3);
        int o = l3;
        int tc = v4 ? in[l3 + 1] & 0xFF : ((in[l3] & 0x0F) << 4) | ((in[l3 + 1] & 0xF0) >>> 4);
        int flow = flowLabel >= 0 ? flowLabel : v4 ? 0 : ((in[l3 + 1] & 0x0F) << 16) | ReferenceChecksum.u16(in, l3 + 2);
        put32(e, o, (6 << 28) | (tc << 20) | flow);
        ReferenceChecksum.put16(e, o + 4, added - 40 + inner);
        e[o + 6] = (byte) (gue ? 17 : v4 ? 4 : 41);
        e[o + 7] = 64;
        put64(e, o + 8, OUTER_SRC6[0]);
        put64(e, o + 16, OUTER_SRC6[1]);
        put64(e, o + 24, OUTER_DST6[0]);
        put64(e, o + 32, OUTER_DST6[1]);
        System.arraycopy(in, l3, e, l3 + added, inner);
        if (gue) {
            int u = o + 40;
            ReferenceChecksum.put16(e, u, SPORT);
            ReferenceChecksum.put16(e, u + 2, GUE_PORT);
            ReferenceChecksum.put16(e, u + 4, 8 + inner);
            int c = ReferenceChecksum.checksum(e, u, 8 + inner, ReferenceChecksum.pseudoIpv6(e, o, 17, 8 + inner));
            ReferenceChecksum.put16(e, u + 6, c == 0 ? 0xFFFF : c);
        }
        return e;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void dsrRewritesTheMacsAndNothingElse() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = tcp4(true);
            Packet p = f.load(in);
            long offset = p.offset();
            Rewrites.dsr(p.segment().address() + p.offset(), OWN_MAC, NEXT_MAC);
            byte[] e = in.clone();
            put48(e, 0, NEXT_MAC);
            put48(e, 6, OWN_MAC);
            assertThat(p.toArray()).isEqualTo(e);
            assertThat(p.offset()).isEqualTo(offset);
        }
    }

    @Test
    void ipipOver4WithInnerIpv4KeepsDfAndZeroId() {
        check4(tcp4(true), 14, false);
    }

    @Test
    void ipipOver4WithoutDfCopiesTheInnerIdAndClearsDf() {
        check4(tcp4(false), 14, false);
    }

    @Test
    void ipipOver4MovesAVlanTagWithTheL2Header() {
        check4(udp4WithVlan(), 18, false);
    }

    @Test
    void sixInFourSetsProtocol41AndDfAndTheTrafficClassAsTos() {
        check4(tcp6WithTwoVlans(), 22, false);
    }

    @Test
    void fourInSixAndIp6Ip6() {
        check6(tcp4(true), 14, false, -1);
        check6(udp6(), 14, false, -1);
        check6(tcp6WithTwoVlans(), 22, false, -1);
        check6(udp6(), 14, false, 0xABCDE);
    }

    @Test
    void gueOverIpv4HasUdpChecksumZero() {
        check4(tcp4(true), 14, true);
        check4(udp6(), 14, true);
        check4(udp4WithVlan(), 18, true);
    }

    @Test
    void gueOverIpv6HasAComputedUdpChecksum() {
        check6(tcp4(true), 14, true, -1);
        check6(tcp6WithTwoVlans(), 22, true, -1);
        check6(udp6(), 14, true, 0x12);
    }

    @Test
    void ethernetPaddingAfterTheInnerPacketIsDropped() {
        byte[] in = paddedSyn4();
        assertThat(in.length).isEqualTo(60);
        check4(in, 14, false);
        check6(in, 14, true, -1);
    }

    @Test
    void overheadIsTheOuterHeaders() {
        assertThat(Rewrites.overhead(false, false)).isEqualTo(20);
        assertThat(Rewrites.overhead(false, true)).isEqualTo(28);
        assertThat(Rewrites.overhead(true, false)).isEqualTo(40);
        assertThat(Rewrites.overhead(true, true)).isEqualTo(48);
    }

    @Test
    void tooLittleHeadroomLeavesThePacketUnchanged() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = tcp6WithTwoVlans();
            Packet p = f.load(in, 47);
            assertThat(Rewrites.gueOver6(p, 22, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], SPORT, GUE_PORT,
                    OWN_MAC, NEXT_MAC)).isFalse();
            assertUnchanged(p, in, 47);
            assertThat(Rewrites.ipipOver4(p, 22, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC)).as("20 bytes fit in 47").isTrue();

            Packet q = f.load(in, 19);
            assertThat(Rewrites.ipipOver4(q, 22, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC)).isFalse();
            assertUnchanged(q, in, 19);
            Packet exact = f.load(in, 48);
            assertThat(Rewrites.gueOver6(exact, 22, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], SPORT, GUE_PORT,
                    OWN_MAC, NEXT_MAC)).isTrue();
            assertThat(exact.headroom()).isZero();
            assertThat(exact.toArray()).isEqualTo(expectedOver6(in, 22, true, -1));
        }
    }

    @Test
    void notIpOrTruncatedLeavesThePacketUnchanged() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] arp = new FrameBuilder().ethernet().arp(1, FrameBuilder.MAC_A, IP_A, 0, IP_B).padTo(60).build();
            Packet p = f.load(arp);
            assertThat(Rewrites.ipipOver4(p, 14, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC)).isFalse();
            assertUnchanged(p, arp, 256);

            byte[] cut = Arrays.copyOf(tcp4(true), 100); // total length says 154
            Packet q = f.load(cut);
            assertThat(Rewrites.gueOver4(q, 14, OUTER_SRC, OUTER_DST, SPORT, GUE_PORT, OWN_MAC, NEXT_MAC)).isFalse();
            assertUnchanged(q, cut, 256);

            byte[] cut6 = Arrays.copyOf(udp6(), 60);
            Packet r = f.load(cut6);
            assertThat(Rewrites.ipipOver6(r, 14, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], OWN_MAC, NEXT_MAC)).isFalse();
            assertUnchanged(r, cut6, 256);

            byte[] badIhl = new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 6).tcp(1, 2, 0x02, 0, new byte[0]).ipv4IhlField(4).build();
            Packet s = f.load(badIhl);
            assertThat(Rewrites.ipipOver4(s, 14, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC)).isFalse();
            assertUnchanged(s, badIhl, 256);
        }
    }

    // ---------------------------------------------------------------- helpers

    static void check4(byte[] in, int l3, boolean gue) {
        try (FrameSlots f = new FrameSlots()) {
            Packet p = f.load(in);
            boolean done = gue
                    ? Rewrites.gueOver4(p, l3, OUTER_SRC, OUTER_DST, SPORT, GUE_PORT, OWN_MAC, NEXT_MAC)
                    : Rewrites.ipipOver4(p, l3, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC);
            assertThat(done).isTrue();
            int added = gue ? 28 : 20;
            assertThat(p.headroom()).isEqualTo(256 - added);
            assertThat(p.toArray()).isEqualTo(expectedOver4(in, l3, gue));
        }
    }

    static void check6(byte[] in, int l3, boolean gue, int flowLabel) {
        try (FrameSlots f = new FrameSlots()) {
            Packet p = f.load(in);
            boolean done;
            if (gue) {
                done = flowLabel < 0
                        ? Rewrites.gueOver6(p, l3, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], SPORT, GUE_PORT, OWN_MAC, NEXT_MAC)
                        : Rewrites.gueOver6(p, l3, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], SPORT, GUE_PORT, flowLabel,
                        OWN_MAC, NEXT_MAC);
            } else {
                done = flowLabel < 0
                        ? Rewrites.ipipOver6(p, l3, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], OWN_MAC, NEXT_MAC)
                        : Rewrites.ipipOver6(p, l3, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], flowLabel, OWN_MAC, NEXT_MAC);
            }
            assertThat(done).isTrue();
            assertThat(p.headroom()).isEqualTo(256 - (gue ? 48 : 40));
            assertThat(p.toArray()).isEqualTo(expectedOver6(in, l3, gue, flowLabel));
        }
    }

    static void assertUnchanged(Packet p, byte[] in, int headroom) {
        assertThat(p.headroom()).isEqualTo(headroom);
        assertThat(p.toArray()).isEqualTo(in);
        for (int i = 1; i <= headroom; i++) {
            assertThat(p.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, p.offset() - i) & 0xFF)
                    .as("headroom byte -%d untouched", i).isEqualTo(FrameSlots.MARKER);
        }
    }

    static void put48(byte[] b, int at, long v) {
        ReferenceChecksum.put16(b, at, (int) (v >>> 32));
        put32(b, at + 2, (int) v);
    }

    static void put32(byte[] b, int at, int v) {
        ReferenceChecksum.put16(b, at, v >>> 16);
        ReferenceChecksum.put16(b, at + 2, v);
    }

    static void put64(byte[] b, int at, long v) {
        put32(b, at, (int) (v >>> 32));
        put32(b, at + 4, (int) v);
    }
}
