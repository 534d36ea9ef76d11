package dev.sluice.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The one builder of test frames: Ethernet frames byte by byte, independently of the classes under
 * test. Lengths and checksums are filled in by {@link #build()} with {@link ReferenceChecksum}
 * (unless switched off, to build broken frames). Each layer method writes the EtherType / Next
 * Header left open by the one before where that is implied (Ethernet → VLAN → IP); IPv6 next
 * headers are given explicitly. Addresses are numbers; {@link #ipv4(String)}, {@link #ipv6(String)}
 * and {@link #mac(String)} turn text into them.
 */
public final class FrameBuilder {
    /** Ethernet minimum without the FCS, the length {@link #padTo} usually asks for. */
    public static final int MIN_FRAME = 60;
    public static final long MAC_A = 0x02_00_00_00_00_0AL;
    public static final long MAC_B = 0x02_00_00_00_00_0BL;
    public static final int IP_A = 0x0A_01_02_03;   // 10.1.2.3
    public static final int IP_B = 0xC0_A8_00_C7;   // 192.168.0.199
    public static final long[] IP6_A = {0xFD00_0000_0000_0001L, 0x0000_0000_0000_00AAL};
    public static final long[] IP6_B = {0xFD00_0000_0000_0002L, 0x1234_5678_9ABC_DEF0L};

    private final byte[] b = new byte[70000];
    private int pos;
    private int pendingEtherType = -1;
    private int ip4 = -1;
    private int ip6 = -1;
    private int l4 = -1;
    private int l4Protocol = -1;
    private boolean fixChecksums = true;
    private boolean fixLengths = true;
    private int padTo;
    private int ipVersionField = -1;
    private int ipv4IhlField = -1;

    public FrameBuilder ethernet(long dst, long src) {
        put48(dst);
        put48(src);
        pendingEtherType = pos;
        pos += 2;
        return this;
    }

    public FrameBuilder ethernet() {
        return ethernet(MAC_B, MAC_A);
    }

    public FrameBuilder etherType(int type) {
        ReferenceChecksum.put16(b, pendingEtherType, type);
        return this;
    }

    public FrameBuilder vlan(int tpid, int tci) {
        etherType(tpid);
        put16(tci);
        pendingEtherType = pos;
        pos += 2;
        return this;
    }

    public FrameBuilder arp(int op, long sha, int spa, long tha, int tpa) {
        etherType(0x0806);
        put16(1);
        put16(0x0800);
        put8(6);
        put8(4);
        put16(op);
        put48(sha);
        put32(spa);
        put48(tha);
        put32(tpa);
        return this;
    }

    public FrameBuilder ipv4(int src, int dst, int protocol) {
        return ipv4(src, dst, protocol, new byte[0], 0x4000);
    }

    /** IPv4 with {@code options} (a multiple of 4 bytes) and the flags/fragment word. */
    public FrameBuilder ipv4(int src, int dst, int protocol, byte[] options, int flagsFragment) {
        etherType(0x0800);
        ip4 = pos;
        put8(0x40 | (5 + options.length / 4));
        put8(0);
        put16(0); // total length: build()
        put16(0x1234);
        put16(flagsFragment);
        put8(64);
        put8(protocol);
        put16(0); // checksum: build()
        put32(src);
        put32(dst);
        put(options);
        l4Protocol = protocol;
        return this;
    }

    public FrameBuilder ipv6(long[] src, long[] dst, int nextHeader) {
        etherType(0x86DD);
        ip6 = pos;
        put32(0x6000_0000 | (0x2E << 20) | 0x12345);
        put16(0); // payload length: build()
        put8(nextHeader);
        put8(64);
        put64(src[0]);
        put64(src[1]);
        put64(dst[0]);
        put64(dst[1]);
        l4Protocol = nextHeader;
        return this;
    }

    /** A generic IPv6 extension header of {@code lengthBytes} (a multiple of 8), options PadN-filled. */
    public FrameBuilder ipv6Extension(int next, int lengthBytes) {
        put8(next);
        put8(lengthBytes / 8 - 1);
        if (lengthBytes - 2 >= 2) {
            put8(1); // PadN
            put8(lengthBytes - 4);
            pos += lengthBytes - 4;
        } else {
            pos += lengthBytes - 2;
        }
        l4Protocol = next;
        return this;
    }

    public FrameBuilder ipv6Fragment(int next, int offsetBytes, boolean more, int id) {
        put8(next);
        put8(0);
        put16(offsetBytes | (more ? 1 : 0));
        put32(id);
        l4Protocol = next;
        return this;
    }

    /** Authentication Header of {@code lengthBytes} (a multiple of 4, at least 12). */
    public FrameBuilder ah(int next, int lengthBytes) {
        put8(next);
        put8(lengthBytes / 4 - 2);
        put16(0);
        put32(0x100); // SPI
        put32(1); // sequence
        pos += lengthBytes - 12; // ICV
        l4Protocol = next;
        return this;
    }

    public FrameBuilder tcp(int sport, int dport, int flags, int optionBytes, byte[] payload) {
        l4 = pos;
        l4Protocol = 6;
        put16(sport);
        put16(dport);
        put32(0x01020304);
        put32(0x0A0B0C0D);
        put8(((20 + optionBytes) / 4) << 4);
        put8(flags);
        put16(65535);
        put16(0);
        put16(0);
        for (int i = 0; i < optionBytes; i++) {
            put8(1); // NOP
        }
        put(payload);
        return this;
    }

    public FrameBuilder udp(int sport, int dport, byte[] payload) {
        l4 = pos;
        l4Protocol = 17;
        put16(sport);
        put16(dport);
        put16(0);
        put16(0);
        put(payload);
        return this;
    }

    public FrameBuilder icmp(int type, int code, int id, int seq, byte[] payload) {
        l4 = pos;
        l4Protocol = ip6 >= 0 ? 58 : 1;
        put8(type);
        put8(code);
        put16(0);
        put16(id);
        put16(seq);
        put(payload);
        return this;
    }

    public FrameBuilder raw(byte[] bytes) {
        put(bytes);
        return this;
    }

    public FrameBuilder noChecksums() {
        fixChecksums = false;
        return this;
    }

    public FrameBuilder noLengths() {
        fixLengths = false;
        return this;
    }

    /** Overwrites the IP version nibble (of the IPv4 or IPv6 header) with {@code version}, to build invalid headers. */
    public FrameBuilder ipVersionField(int version) {
        ipVersionField = version;
        return this;
    }

    /** Overwrites the IPv4 IHL nibble only (options and lengths unchanged), to build invalid headers. */
    public FrameBuilder ipv4IhlField(int ihl) {
        ipv4IhlField = ihl;
        return this;
    }

    /** Pads the frame with zeros to {@code n} bytes (Ethernet minimum 60 without FCS). */
    public FrameBuilder padTo(int n) {
        padTo = n;
        return this;
    }

    public byte[] build() {
        int end = pos;
        if (fixLengths) {
            if (ip4 >= 0) {
                ReferenceChecksum.put16(b, ip4 + 2, end - ip4);
            }
            if (ip6 >= 0) {
                ReferenceChecksum.put16(b, ip6 + 4, end - ip6 - 40);
            }
            if (l4 >= 0 && l4Protocol == 17) {
                ReferenceChecksum.put16(b, l4 + 4, end - l4);
            }
        }
        if (fixChecksums) {
            if (ip4 >= 0) {
                int hl = (b[ip4] & 0x0F) * 4;
                ReferenceChecksum.put16(b, ip4 + 10, 0);
                ReferenceChecksum.put16(b, ip4 + 10, ReferenceChecksum.checksum(b, ip4, hl, 0));
            }
            if (l4 >= 0) {
                int at = switch (l4Protocol) {
                    case 6 -> l4 + 16;
                    case 17 -> l4 + 6;
                    default -> l4 + 2;
                };
                ReferenceChecksum.put16(b, at, 0);
                int len = end - l4;
                int initial;
                if (l4Protocol == 1) {
                    initial = 0;
                } else if (ip6 >= 0) {
                    initial = ReferenceChecksum.pseudoIpv6(b, ip6, l4Protocol, len);
                } else {
                    initial = ReferenceChecksum.pseudoIpv4(b, ip4, l4Protocol, len);
                }
                int c = ReferenceChecksum.checksum(b, l4, len, initial);
                ReferenceChecksum.put16(b, at, l4Protocol == 17 && c == 0 ? 0xFFFF : c);
            }
        }
        if (ipv4IhlField >= 0 && ip4 >= 0) {
            b[ip4] = (byte) ((b[ip4] & 0xF0) | ipv4IhlField);
        }
        if (ipVersionField >= 0) {
            int ip = ip4 >= 0 ? ip4 : ip6;
            b[ip] = (byte) ((b[ip] & 0x0F) | (ipVersionField << 4));
        }
        return Arrays.copyOf(b, Math.max(end, padTo));
    }

    /** An IPv4 address in text form as the 32-bit number the layer methods take. */
    public static int ipv4(String text) {
        byte[] a = address(text);
        if (a.length != 4) {
            throw new IllegalArgumentException(text + " is not an IPv4 address");
        }
        return ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
    }

    /** An IPv6 address in text form as two 64-bit halves; {@code ::ffff:a.b.c.d} stays IPv4-mapped IPv6. */
    public static long[] ipv6(String text) {
        byte[] a = address(text);
        if (a.length == 4) { // Java turns ::ffff:a.b.c.d into IPv4: put the mapped form back
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(a, 0, mapped, 12, 4);
            a = mapped;
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (a[i] & 0xff);
            lo = (lo << 8) | (a[8 + i] & 0xff);
        }
        return new long[] {hi, lo};
    }

    /** A MAC address {@code aa:bb:cc:dd:ee:ff} as the 48-bit number {@link #ethernet(long, long)} takes. */
    public static long mac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException(text + " is not a MAC address");
        }
        long v = 0;
        for (String p : parts) {
            v = (v << 8) | Integer.parseInt(p, 16);
        }
        return v;
    }

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private void put(byte[] bytes) {
        System.arraycopy(bytes, 0, b, pos, bytes.length);
        pos += bytes.length;
    }

    private void put8(int v) {
        b[pos++] = (byte) v;
    }

    private void put16(int v) {
        put8(v >>> 8);
        put8(v);
    }

    private void put32(int v) {
        put16(v >>> 16);
        put16(v);
    }

    private void put48(long v) {
        put16((int) (v >>> 32));
        put32((int) v);
    }

    private void put64(long v) {
        put32((int) (v >>> 32));
        put32((int) v);
    }

    public static byte[] bytes(int n, int seed) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 31 + seed);
        }
        return p;
    }
}
