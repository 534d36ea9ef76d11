package dev.sluice.lb.forward;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.ReferenceChecksum;
import dev.sluice.umem.Packet;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.sluice.lb.forward.RewritesTest.assertUnchanged;
import static dev.sluice.lb.forward.RewritesTest.put32;
import static dev.sluice.lb.forward.RewritesTest.put48;
import static dev.sluice.testing.FrameBuilder.IP6_A;
import static dev.sluice.testing.FrameBuilder.IP6_B;
import static dev.sluice.testing.FrameBuilder.IP_A;
import static dev.sluice.testing.FrameBuilder.IP_B;
import static dev.sluice.testing.FrameBuilder.MAC_A;
import static dev.sluice.testing.FrameBuilder.MAC_B;
import static org.assertj.core.api.Assertions.assertThat;

/** Each ICMP message against one built independently (FrameBuilder, or field by field with {@link ReferenceChecksum}). */
class IcmpRepliesTest {
    static final byte[] PING_DATA = FrameBuilder.bytes(56, 9);

    /** Echo request A -> B (B is the VIP), TTL lowered to 17 as if it crossed routers. */
    static byte[] echoRequest4() {
        byte[] in = new FrameBuilder().ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B, 1).icmp(8, 0, 0x4242, 7, PING_DATA).build();
        setTtl4(in, 14, 17);
        return in;
    }

    static byte[] echoRequest6() {
        byte[] in = new FrameBuilder().ethernet(MAC_B, MAC_A).ipv6(IP6_A, IP6_B, 58).icmp(128, 0, 0x4242, 7, PING_DATA).build();
        in[14 + 7] = 17; // hop limit: not covered by any checksum
        return in;
    }

    static byte[] bigTcp4() {
        return new FrameBuilder().ethernet(MAC_B, MAC_A).vlan(0x8100, 5).ipv4(IP_A, IP_B, 6)
                .tcp(40000, 80, 0x18, 12, FrameBuilder.bytes(1400, 5)).build();
    }

    static byte[] bigUdp6() {
        return new FrameBuilder().ethernet(MAC_B, MAC_A).ipv6(IP6_A, IP6_B, 17).udp(40000, 443, FrameBuilder.bytes(1400, 6)).build();
    }

    // ---------------------------------------------------------------- echo

    @Test
    void ipv4EchoRequestBecomesTheReplyFromThePingedAddress() {
        try (FrameSlots f = new FrameSlots()) {
            Packet p = f.load(echoRequest4());
            assertThat(IcmpReplies.echoReply(p, 14)).isTrue();
            byte[] expected = new FrameBuilder().ethernet(MAC_A, MAC_B).ipv4(IP_B, IP_A, 1).icmp(0, 0, 0x4242, 7, PING_DATA).build();
            assertThat(p.toArray()).isEqualTo(expected);
            assertThat(p.headroom()).isEqualTo(256);
        }
    }

    @Test
    void ipv6EchoRequestBecomesTheReplyFromThePingedAddress() {
        try (FrameSlots f = new FrameSlots()) {
            Packet p = f.load(echoRequest6());
            assertThat(IcmpReplies.echoReply(p, 14)).isTrue();
            byte[] expected = new FrameBuilder().ethernet(MAC_A, MAC_B).ipv6(IP6_B, IP6_A, 58).icmp(129, 0, 0x4242, 7, PING_DATA).build();
            assertThat(p.toArray()).isEqualTo(expected);
        }
    }

    @Test
    void echoReplyBehindVlanTagsWithPaddingDropped() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = new FrameBuilder().ethernet(MAC_B, MAC_A).vlan(0x88A8, 1).vlan(0x8100, 2).ipv4(IP_A, IP_B, 1)
                    .icmp(8, 0, 1, 2, new byte[0]).padTo(64).build();
            Packet p = f.load(in);
            assertThat(IcmpReplies.echoReply(p, 22)).isTrue();
            byte[] expected = new FrameBuilder().ethernet(MAC_A, MAC_B).vlan(0x88A8, 1).vlan(0x8100, 2).ipv4(IP_B, IP_A, 1)
                    .icmp(0, 0, 1, 2, new byte[0]).build();
            assertThat(p.toArray()).isEqualTo(expected);
            assertThat(p.length()).isEqualTo(22 + 28);
        }
    }

    @Test
    void notAnEchoRequestOrABadChecksumIsLeftAlone() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] reply = new FrameBuilder().ethernet().ipv4(IP_A, IP_B, 1).icmp(0, 0, 1, 2, PING_DATA).build();
            Packet p = f.load(reply);
            assertThat(IcmpReplies.echoReply(p, 14)).isFalse();
            assertUnchanged(p, reply, 256);

            byte[] bad = echoRequest4();
            bad[14 + 20 + 2] ^= 1;
            Packet q = f.load(bad);
            assertThat(IcmpReplies.echoReply(q, 14)).isFalse();
            assertUnchanged(q, bad, 256);

            byte[] bad6 = echoRequest6();
            bad6[14 + 40 + 2] ^= 1;
            Packet r = f.load(bad6);
            assertThat(IcmpReplies.echoReply(r, 14)).isFalse();
            assertUnchanged(r, bad6, 256);

            byte[] tcp = RewritesTest.tcp4(true);
            Packet s = f.load(tcp);
            assertThat(IcmpReplies.echoReply(s, 14)).isFalse();
            assertUnchanged(s, tcp, 256);

            byte[] withExtension = new FrameBuilder().ethernet().ipv6(IP6_A, IP6_B, 60).ipv6Extension(58, 8)
                    .icmp(128, 0, 1, 2, PING_DATA).build();
            Packet t = f.load(withExtension);
            assertThat(IcmpReplies.echoReply(t, 14)).isFalse();
            assertUnchanged(t, withExtension, 256);
        }
    }

    // ---------------------------------------------------------------- fragmentation needed

    static byte[] expectedFragmentationNeeded(byte[] in, int l3, int mtu) {
        int ihl = (in[l3] & 0x0F) * 4;
        int quoted = Math.min(ReferenceChecksum.u16(in, l3 + 2), ihl + 8);
        byte[] e = new byte[l3 + 28 + quoted];
        System.arraycopy(in, 0, e, 0, l3);
        put48(e, 0, MAC_A);
        put48(e, 6, MAC_B);
        int o = l3;
        e[o] = 0x45;
        e[o + 1] = (byte) 0xC0;
        ReferenceChecksum.put16(e, o + 2, 28 + quoted);
        e[o + 6] = 0x40; // DF, id 0
        e[o + 8] = 64;
        e[o + 9] = 1;
        System.arraycopy(in, l3 + 16, e, o + 12, 4); // from the original destination
        System.arraycopy(in, l3 + 12, e, o + 16, 4); // to the original source
        ReferenceChecksum.put16(e, o + 10, ReferenceChecksum.checksum(e, o, 20, 0));
        int icmp = o + 20;
        e[icmp] = 3;
        e[icmp + 1] = 4;
        ReferenceChecksum.put16(e, icmp + 6, mtu);
        System.arraycopy(in, l3, e, icmp + 8, quoted);
        ReferenceChecksum.put16(e, icmp + 2, ReferenceChecksum.checksum(e, icmp, 8 + quoted, 0));
        return e;
    }

    @Test
    void fragmentationNeededQuotesTheHeaderAndEightBytesInPlace() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = bigTcp4();
            Packet p = f.load(in);
            long quotedAt = p.offset() + 18;
            assertThat(IcmpReplies.fragmentationNeeded(p, 18, 1480)).isTrue();
            byte[] expected = expectedFragmentationNeeded(in, 18, 1480);
            assertThat(p.toArray()).isEqualTo(expected);
            assertThat(p.length()).isEqualTo(18 + 20 + 8 + 20 + 8);
            assertThat(p.offset() + 18 + 28).as("the quoted header did not move").isEqualTo(quotedAt);
        }
    }

    @Test
    void fragmentationNeededQuotesTheOptionsAndWhatThereIsOfAShortPacket() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] options = {1, 1, 1, 0}; // NOP NOP NOP EOL
            byte[] in = new FrameBuilder().ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B, 17, options, 0x4000)
                    .udp(1, 2, new byte[0]).padTo(60).build(); // 24 + 8 bytes of IP, padded
            Packet p = f.load(in);
            assertThat(IcmpReplies.fragmentationNeeded(p, 14, 576)).isTrue();
            assertThat(p.toArray()).isEqualTo(expectedFragmentationNeeded(in, 14, 576));

            byte[] noData = new FrameBuilder().ethernet(MAC_B, MAC_A).ipv4(IP_A, IP_B, 253).padTo(60).build(); // 20 bytes of IP
            Packet q = f.load(noData);
            assertThat(IcmpReplies.fragmentationNeeded(q, 14, 1400)).isTrue();
            assertThat(q.toArray()).isEqualTo(expectedFragmentationNeeded(noData, 14, 1400));
            assertThat(q.length()).isEqualTo(14 + 28 + 20);
        }
    }

    @Test
    void fragmentationNeededNeedsIpv4AndHeadroom() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = bigTcp4();
            Packet p = f.load(in, 27);
            assertThat(IcmpReplies.fragmentationNeeded(p, 18, 1480)).isFalse();
            assertUnchanged(p, in, 27);
            byte[] six = bigUdp6();
            Packet q = f.load(six);
            assertThat(IcmpReplies.fragmentationNeeded(q, 14, 1480)).isFalse();
            assertUnchanged(q, six, 256);
            byte[] cut = Arrays.copyOf(in, 100);
            Packet r = f.load(cut);
            assertThat(IcmpReplies.fragmentationNeeded(r, 18, 1480)).as("shorter than its total length").isFalse();
            assertUnchanged(r, cut, 256);
        }
    }

    // ---------------------------------------------------------------- packet too big

    static byte[] expectedPacketTooBig(byte[] in, int l3, int mtu) {
        int quoted = Math.min(40 + ReferenceChecksum.u16(in, l3 + 4), 1280 - 48);
        byte[] e = new byte[l3 + 48 + quoted];
        System.arraycopy(in, 0, e, 0, l3);
        put48(e, 0, MAC_A);
        put48(e, 6, MAC_B);
        int o = l3;
        e[o] = 0x60;
        ReferenceChecksum.put16(e, o + 4, 8 + quoted);
        e[o + 6] = 58;
        e[o + 7] = 64;
        System.arraycopy(in, l3 + 24, e, o + 8, 16);
        System.arraycopy(in, l3 + 8, e, o + 24, 16);
        int icmp = o + 40;
        e[icmp] = 2;
        put32(e, icmp + 4, mtu);
        System.arraycopy(in, l3, e, icmp + 8, quoted);
        ReferenceChecksum.put16(e, icmp + 2,
                ReferenceChecksum.checksum(e, icmp, 8 + quoted, ReferenceChecksum.pseudoIpv6(e, o, 58, 8 + quoted)));
        return e;
    }

    @Test
    void packetTooBigQuotesAsMuchAsFitsIn1280Bytes() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = bigUdp6();
            Packet p = f.load(in);
            long originalAt = p.offset() + 14;
            assertThat(IcmpReplies.packetTooBig(p, 14, 1400)).isTrue();
            assertThat(p.toArray()).isEqualTo(expectedPacketTooBig(in, 14, 1400));
            assertThat(p.length() - 14).as("IPv6 packet of exactly the minimum MTU").isEqualTo(1280);
            assertThat(p.offset() + 14 + 48).as("the quoted packet did not move").isEqualTo(originalAt);
        }
    }

    @Test
    void packetTooBigQuotesAllOfASmallPacketBehindVlanTags() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = RewritesTest.tcp6WithTwoVlans();
            for (int i = 0; i < 6; i++) { // the VIP's MAC and the client's, as a received frame has them
                in[i] = (byte) (MAC_B >>> (40 - 8 * i));
                in[6 + i] = (byte) (MAC_A >>> (40 - 8 * i));
            }
            Packet p = f.load(in);
            assertThat(IcmpReplies.packetTooBig(p, 22, 1280)).isTrue();
            assertThat(p.toArray()).isEqualTo(expectedPacketTooBig(in, 22, 1280));
            assertThat(p.length()).isEqualTo(in.length + 48);
        }
    }

    @Test
    void packetTooBigNeedsIpv6AndHeadroom() {
        try (FrameSlots f = new FrameSlots()) {
            byte[] in = bigUdp6();
            Packet p = f.load(in, 47);
            assertThat(IcmpReplies.packetTooBig(p, 14, 1400)).isFalse();
            assertUnchanged(p, in, 47);
            byte[] four = bigTcp4();
            Packet q = f.load(four);
            assertThat(IcmpReplies.packetTooBig(q, 18, 1400)).isFalse();
            assertUnchanged(q, four, 256);
        }
    }

    static void setTtl4(byte[] f, int l3, int ttl) {
        f[l3 + 8] = (byte) ttl;
        ReferenceChecksum.put16(f, l3 + 10, 0);
        ReferenceChecksum.put16(f, l3 + 10, ReferenceChecksum.checksum(f, l3, (f[l3] & 0x0F) * 4, 0));
    }
}
