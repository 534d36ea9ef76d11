package dev.sluice.drivers.xdp;

import dev.sluice.testing.FrameBuilder;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A steering test case: a frame described by what the program looks at (destination address,
 * transport and port, VLAN tags, fragment and header oddities) in any order, built by the shared
 * {@link FrameBuilder} in layer order and padded to the Ethernet minimum.
 */
final class TestFrame {
    private static final long DST_MAC = 0x02_00_00_00_00_02L;
    private static final long SRC_MAC = 0x02_00_00_00_00_01L;
    private static final int SRC_PORT = 40000;
    private static final int VLAN_ID = 100;

    private int[] tpids = new int[0];
    private int etherType;
    private String dst;
    private int protocol;
    private int dstPort = -1;
    private int ihl = -1;
    private int version = -1;
    private int fragmentOffset;
    private boolean moreFragments;
    private byte[] ipv4Options = new byte[0];

    private TestFrame() {
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static TestFrame ipv4(String dst) {
        TestFrame f = new TestFrame();
        f.etherType = 0x0800;
        FrameBuilder.ipv4(dst); // checks it is IPv4
        f.dst = dst;
        return f;
    }

    static TestFrame ipv6(String dst) {
        TestFrame f = new TestFrame();
        f.etherType = 0x86dd;
        f.dst = dst;
        return f;
    }

    /** An ARP request (who-has 10.0.0.1 from 10.0.0.2). */
    static TestFrame arp() {
        TestFrame f = new TestFrame();
        f.etherType = 0x0806;
        return f;
    }

    TestFrame udp(int port) {
        protocol = 17;
        dstPort = port;
        return this;
    }

    TestFrame tcp(int port) {
        protocol = 6;
        dstPort = port;
        return this;
    }

    /** A transport without ports, e.g. 1 (ICMP) or 58 (ICMPv6). */
    TestFrame protocol(int protocol) {
        this.protocol = protocol;
        dstPort = -1;
        return this;
    }

    /** Adds a VLAN tag with this TPID (0x8100 or 0x88a8); call twice for two tags. */
    TestFrame vlan(int tpid) {
        tpids = Arrays.copyOf(tpids, tpids.length + 1);
        tpids[tpids.length - 1] = tpid;
        return this;
    }

    /** IPv4 options (a multiple of 4 bytes): sets IHL accordingly. */
    TestFrame ipv4Options(byte... options) {
        if (options.length % 4 != 0) {
            throw new IllegalArgumentException("options must be a multiple of 4 bytes");
        }
        ipv4Options = options;
        return this;
    }

    /** Overrides the IHL field only (to build invalid headers). */
    TestFrame ihlField(int ihl) {
        this.ihl = ihl;
        return this;
    }

    TestFrame versionField(int version) {
        this.version = version;
        return this;
    }

    /** Fragment offset in 8-byte units; 0 with {@code more} = first fragment. */
    TestFrame fragment(int offsetUnits, boolean more) {
        fragmentOffset = offsetUnits;
        moreFragments = more;
        return this;
    }

    byte[] build() {
        FrameBuilder b = new FrameBuilder().ethernet(DST_MAC, SRC_MAC);
        for (int tpid : tpids) {
            b.vlan(tpid, VLAN_ID);
        }
        switch (etherType) {
            case 0x0806 -> b.arp(1, SRC_MAC, FrameBuilder.ipv4("10.0.0.2"), 0, FrameBuilder.ipv4("10.0.0.1"));
            case 0x0800 -> b.ipv4(FrameBuilder.ipv4("10.9.9.9"), FrameBuilder.ipv4(dst), protocol, ipv4Options,
                    (moreFragments ? 0x2000 : 0) | fragmentOffset);
            default -> b.ipv6(FrameBuilder.ipv6("fd00::99"), FrameBuilder.ipv6(dst), protocol);
        }
        if (etherType != 0x0806) {
            switch (protocol) {
                case 17 -> b.udp(SRC_PORT, dstPort, new byte[0]);
                case 6 -> b.tcp(SRC_PORT, dstPort, 0x02, 0, new byte[0]);
                default -> b.icmp(8, 0, 1, 1, new byte[0]);
            }
        }
        if (ihl >= 0) {
            b.ipv4IhlField(ihl);
        }
        if (version >= 0) {
            b.ipVersionField(version);
        }
        return b.padTo(FrameBuilder.MIN_FRAME).build();
    }
}
