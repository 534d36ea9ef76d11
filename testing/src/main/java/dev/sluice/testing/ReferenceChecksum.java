package dev.sluice.testing;

/**
 * A deliberately naive RFC 1071 checksum over byte arrays, written independently of
 * {@code dev.sluice.proto.Checksums} so that tests do not check the code with itself.
 */
public final class ReferenceChecksum {
    private ReferenceChecksum() {
    }

    /** One's-complement sum of big-endian 16-bit words, odd byte padded with zero, folded (not complemented). */
    public static int onesComplementSum(byte[] data, int off, int len, int initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = data[off + i] & 0xFF;
            int lo = i + 1 < len ? data[off + i + 1] & 0xFF : 0;
            s += (hi << 8) | lo;
            s = (s & 0xFFFF) + (s >>> 16);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    public static int checksum(byte[] data, int off, int len, int initial) {
        return ~onesComplementSum(data, off, len, initial) & 0xFFFF;
    }

    /** Pseudo-header sum for IPv4 at {@code ip}. */
    public static int pseudoIpv4(byte[] f, int ip, int protocol, int l4Length) {
        int s = onesComplementSum(f, ip + 12, 8, 0);
        return fold(s + protocol + l4Length);
    }

    /** Pseudo-header sum for IPv6 at {@code ip6}. */
    public static int pseudoIpv6(byte[] f, int ip6, int nextHeader, int l4Length) {
        int s = onesComplementSum(f, ip6 + 8, 32, 0);
        return fold((long) s + (l4Length >>> 16) + (l4Length & 0xFFFF) + nextHeader);
    }

    public static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    public static int u16(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    public static void put16(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }
}
