package dev.sluice.lb.dataplane;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.ReferenceChecksum;

import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** Frames the data plane's tests send, and checks of what comes out, independent of the code under test. */
final class Frames {
    static final long CLIENT_MAC = FrameBuilder.MAC_A;
    static final int CLIENT4 = FrameBuilder.ipv4("198.51.100.7");
    static final long[] CLIENT6 = FrameBuilder.ipv6("2001:db8:100::7");
    static final int CLIENT_PORT = 40000;
    static final int ROUTER4 = FrameBuilder.ipv4("203.0.113.1");
    static final long[] ROUTER6 = FrameBuilder.ipv6("2001:db8:ff::1");

    private Frames() {
    }

    static FrameBuilder to4(String vip, int protocol) {
        return new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC).ipv4(CLIENT4, FrameBuilder.ipv4(vip), protocol);
    }

    static FrameBuilder to6(String vip, int protocol) {
        return new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC).ipv6(CLIENT6, FrameBuilder.ipv6(vip), protocol);
    }

    static byte[] tcp4(String vip, int port, int flags) {
        return to4(vip, 6).tcp(CLIENT_PORT, port, flags, 0, FrameBuilder.bytes(20, 1)).build();
    }

    static byte[] tcp6(String vip, int port, int flags) {
        return to6(vip, 6).tcp(CLIENT_PORT, port, flags, 0, FrameBuilder.bytes(20, 1)).build();
    }

    static byte[] udp4(String vip, int port) {
        return to4(vip, 17).udp(CLIENT_PORT, port, FrameBuilder.bytes(30, 2)).build();
    }

    static byte[] udp6(String vip, int port) {
        return to6(vip, 17).udp(CLIENT_PORT, port, FrameBuilder.bytes(30, 2)).build();
    }

    /**
     * An ICMP fragmentation-needed from a router to {@code vip} quoting the IPv4 header and 8 bytes
     * of a TCP packet {@code vip:vipPort -> client:CLIENT_PORT} whose Total Length claims 1500.
     */
    static byte[] fragNeeded4(String vip, int vipPort, int quotedSource) {
        byte[] quoted = new FrameBuilder().ethernet().ipv4(quotedSource, CLIENT4, 6)
                .tcp(vipPort, CLIENT_PORT, 0x18, 0, new byte[1460]).build();
        byte[] q = Arrays.copyOfRange(quoted, 14, 14 + 28);
        return new FrameBuilder().ethernet(LbRig.OWN_MAC, 0x02_00_00_00_00_FEL).ipv4(ROUTER4, FrameBuilder.ipv4(vip), 1)
                .icmp(3, 4, 0, 1400, q).build();
    }

    /** An ICMPv6 packet-too-big to {@code vip} quoting 100 bytes of a TCP packet {@code vip:vipPort -> client}. */
    static byte[] packetTooBig6(String vip, int vipPort, long[] quotedSource) {
        byte[] quoted = new FrameBuilder().ethernet().ipv6(quotedSource, CLIENT6, 6)
                .tcp(vipPort, CLIENT_PORT, 0x18, 0, new byte[1400]).build();
        byte[] q = Arrays.copyOfRange(quoted, 14, 14 + 100);
        return new FrameBuilder().ethernet(LbRig.OWN_MAC, 0x02_00_00_00_00_FEL).ipv6(ROUTER6, FrameBuilder.ipv6(vip), 58)
                .icmp(2, 0, 0, 1400, q).build();
    }

    /** {@code frame} with its MACs replaced. */
    static byte[] withMacs(byte[] frame, long dst, long src) {
        byte[] f = frame.clone();
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        return f;
    }

    static long mac(byte[] f, int at) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (f[at + i] & 0xFF);
        }
        return m;
    }

    static int u16(byte[] f, int at) {
        return ReferenceChecksum.u16(f, at);
    }

    static int u32(byte[] f, int at) {
        return u16(f, at) << 16 | u16(f, at + 2);
    }

    /** Length of the IP packet at {@code l3} by its header. */
    static int ipLength(byte[] f, int l3) {
        return (f[l3] & 0xF0) == 0x40 ? u16(f, l3 + 2) : 40 + u16(f, l3 + 4);
    }

    /**
     * Checks an encapsulated frame against the frame it came from: L2 kept (tags included) with
     * MACs own → next hop and the outer EtherType; the outer IPv4/IPv6 header (TTL 64, protocol,
     * lengths, addresses, IPv4 checksum); for GUE the UDP header (ports, length, checksum 0 over IPv4,
     * valid over IPv6); and the inner packet byte for byte as it arrived.
     */
    static void assertEncapsulated(byte[] in, byte[] out, int l2, boolean outer6, boolean gue, byte[] outerSrc,
                                   byte[] outerDst, int guePort, long nextHopMac) {
        int innerLength = ipLength(in, l2);
        boolean inner6 = (in[l2] & 0xF0) == 0x60;
        int overhead = (outer6 ? 40 : 20) + (gue ? 8 : 0);
        assertThat(out.length).as("length").isEqualTo(l2 + overhead + innerLength);
        assertThat(mac(out, 0)).as("destination MAC").isEqualTo(nextHopMac);
        assertThat(mac(out, 6)).as("source MAC").isEqualTo(LbRig.OWN_MAC);
        assertThat(Arrays.copyOfRange(out, 12, l2 - 2)).as("VLAN tags").isEqualTo(Arrays.copyOfRange(in, 12, l2 - 2));
        assertThat(u16(out, l2 - 2)).as("EtherType").isEqualTo(outer6 ? 0x86DD : 0x0800);
        int protocol = gue ? 17 : inner6 ? 41 : 4;
        if (outer6) {
            assertThat(out[l2] & 0xF0).isEqualTo(0x60);
            assertThat(u16(out, l2 + 4)).as("payload length").isEqualTo(overhead - 40 + innerLength);
            assertThat(out[l2 + 6] & 0xFF).as("next header").isEqualTo(protocol);
            assertThat(out[l2 + 7] & 0xFF).as("hop limit").isEqualTo(64);
            assertThat(Arrays.copyOfRange(out, l2 + 8, l2 + 24)).as("outer source").isEqualTo(outerSrc);
            assertThat(Arrays.copyOfRange(out, l2 + 24, l2 + 40)).as("outer destination").isEqualTo(outerDst);
        } else {
            assertThat(out[l2] & 0xFF).isEqualTo(0x45);
            assertThat(u16(out, l2 + 2)).as("total length").isEqualTo(overhead + innerLength);
            assertThat(out[l2 + 8] & 0xFF).as("TTL").isEqualTo(64);
            assertThat(out[l2 + 9] & 0xFF).as("protocol").isEqualTo(protocol);
            assertThat(ReferenceChecksum.checksum(out, l2, 20, 0)).as("header checksum").isZero();
            assertThat(Arrays.copyOfRange(out, l2 + 12, l2 + 16)).as("outer source").isEqualTo(outerSrc);
            assertThat(Arrays.copyOfRange(out, l2 + 16, l2 + 20)).as("outer destination").isEqualTo(outerDst);
        }
        if (gue) {
            int udp = l2 + (outer6 ? 40 : 20);
            assertThat(u16(out, udp)).as("GUE source port").isBetween(49152, 65535);
            assertThat(u16(out, udp + 2)).as("GUE port").isEqualTo(guePort);
            assertThat(u16(out, udp + 4)).as("UDP length").isEqualTo(8 + innerLength);
            if (outer6) {
                int c = ReferenceChecksum.checksum(out, udp, 8 + innerLength, ReferenceChecksum.pseudoIpv6(out, l2, 17, 8 + innerLength));
                assertThat(c).as("UDP checksum over IPv6").isZero();
            } else {
                assertThat(u16(out, udp + 6)).as("UDP checksum over IPv4: none").isZero();
            }
        }
        assertThat(HexFormat.of().formatHex(out, l2 + overhead, out.length)).as("inner packet")
                .isEqualTo(HexFormat.of().formatHex(in, l2, l2 + innerLength));
    }
}
