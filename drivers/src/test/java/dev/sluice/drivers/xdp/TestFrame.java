package dev.sluice.drivers.xdp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Hand-built Ethernet frames for the steering tests. Checksums are left zero: XDP runs before
 * any checksum check and the program does not look at them.
 */
final class TestFrame {
    static final int MIN_FRAME = 60;

    private int[] tpids = new int[0];
    private int etherType;
    private byte[] dst;
    private int protocol;
    private int dstPort = -1;
    private int ihl = 5;
    private int version = -1;
    private int fragmentOffset;
    private boolean moreFragments;
    private byte[] ipv4Options = new byte[0];
    private int icmpType = 8;
    private int icmpCode;
    private int[] extensions = new int[0];
    /** The 16-bit offset/M word of each extension header that is a Fragment header. */
    private int[] fragmentWords = new int[0];
    private byte[] raw;

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
        f.dst = ip(dst).getAddress();
        if (f.dst.length != 4) {
            throw new IllegalArgumentException(dst + " is not IPv4");
        }
        return f;
    }

    static TestFrame ipv6(String dst) {
        TestFrame f = new TestFrame();
        f.etherType = 0x86dd;
        byte[] a = ip(dst).getAddress();
        if (a.length == 4) { // Java turns ::ffff:a.b.c.d into IPv4: put the mapped form back
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(a, 0, mapped, 12, 4);
            a = mapped;
        }
        f.dst = a;
        return f;
    }

    /** An ARP request (who-has 10.0.0.1), or any non-IP ethertype via {@link #etherType}. */
    static TestFrame arp() {
        TestFrame f = new TestFrame();
        f.etherType = 0x0806;
        f.raw = new byte[] {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1};
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

    /** An ICMP (IPv4) or ICMPv6 (IPv6) header of {@code type}. */
    TestFrame icmp(int type) {
        return icmp(type, 0);
    }

    /** An ICMP (IPv4) or ICMPv6 (IPv6) header of {@code type} and {@code code}. */
    TestFrame icmp(int type, int code) {
        protocol = etherType == 0x86dd ? 58 : 1;
        icmpType = type;
        icmpCode = code;
        dstPort = -1;
        return this;
    }

    /** Appends an 8-byte IPv6 extension header of {@code type} (a Fragment header: an atomic one). */
    TestFrame extension(int type) {
        return extension(type, 0);
    }

    /** Appends an IPv6 Fragment header: offset in 8-byte units, M flag. */
    TestFrame fragmentHeader(int offsetUnits, boolean more) {
        return extension(44, (offsetUnits << 3) | (more ? 1 : 0));
    }

    private TestFrame extension(int type, int fragmentWord) {
        extensions = Arrays.copyOf(extensions, extensions.length + 1);
        extensions[extensions.length - 1] = type;
        fragmentWords = Arrays.copyOf(fragmentWords, fragmentWords.length + 1);
        fragmentWords[fragmentWords.length - 1] = fragmentWord;
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
        ihl = 5 + options.length / 4;
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
        ByteBuffer b = ByteBuffer.allocate(256);
        b.put(new byte[] {2, 0, 0, 0, 0, 2}); // dst MAC
        b.put(new byte[] {2, 0, 0, 0, 0, 1}); // src MAC
        for (int tpid : tpids) {
            b.putShort((short) tpid).putShort((short) 100);
        }
        b.putShort((short) etherType);
        if (raw != null) {
            b.put(raw);
        } else if (etherType == 0x0800) {
            int start = b.position();
            b.put((byte) (((version < 0 ? 4 : version) << 4) | ihl));
            b.put((byte) 0);
            b.putShort((short) (20 + ipv4Options.length + transportLength()));
            b.putShort((short) 0x1234);
            b.putShort((short) ((moreFragments ? 0x2000 : 0) | fragmentOffset));
            b.put((byte) 64).put((byte) protocol).putShort((short) 0);
            b.put(new byte[] {10, 9, 9, 9});
            b.put(dst);
            b.put(ipv4Options);
            if (b.position() - start != 20 + ipv4Options.length) {
                throw new AssertionError();
            }
            transport(b);
        } else if (etherType == 0x86dd) {
            b.putInt(((version < 0 ? 6 : version) << 28));
            int first = extensions.length == 0 ? protocol : extensions[0];
            b.putShort((short) (8 * extensions.length + transportLength())).put((byte) first).put((byte) 64);
            b.put(ip("fd00::99").getAddress());
            b.put(dst);
            for (int i = 0; i < extensions.length; i++) {
                b.put((byte) (i + 1 < extensions.length ? extensions[i + 1] : protocol));
                b.put((byte) 0); // length 0 (8 bytes); a Fragment header: reserved
                b.putShort((short) fragmentWords[i]); // a Fragment header's offset and M; else options
                b.putInt(extensions[i] == 44 ? 0x1234 : 0); // a Fragment header's identification; else options
            }
            transport(b);
        }
        while (b.position() < MIN_FRAME) {
            b.put((byte) 0);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /** A TCP header of 20 bytes (Data Offset 5), else 8 bytes: UDP, ICMP. */
    private int transportLength() {
        return protocol == 6 ? 20 : 8;
    }

    private void transport(ByteBuffer b) {
        if (protocol == 6) {
            b.putShort((short) 40000).putShort((short) Math.max(dstPort, 0));
            b.putInt(1).putInt(0); // sequence, acknowledgment
            b.put((byte) 0x50).put((byte) 0x02).putShort((short) 1024); // Data Offset 5, SYN, window
            b.putInt(0); // checksum, urgent pointer
        } else if (dstPort >= 0) {
            b.putShort((short) 40000).putShort((short) dstPort);
            b.putShort((short) 8).putShort((short) 0); // UDP length, checksum
        } else {
            b.put(new byte[] {(byte) icmpType, (byte) icmpCode, 0, 0, 0, 1, 0, 1}); // ICMP type, code, checksum, rest
        }
    }
}
