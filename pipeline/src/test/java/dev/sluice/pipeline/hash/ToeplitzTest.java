package dev.sluice.pipeline.hash;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Microsoft RSS verification suite (also in Intel's 82599 datasheet 7.1.2.8.3 and DPDK's
 * test_thash.c): default key, input = source address, destination address, source port,
 * destination port.
 */
class ToeplitzTest {
    // destination, port, source, port, hash of addresses, hash of addresses and ports
    private static final Object[][] V4 = {
        {"161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178},
        {"65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea},
        {"12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a},
        {"209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f},
        {"202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2},
    };
    private static final Object[][] V6 = {
        {"3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d},
        {"ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf},
        {"fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985, 0x02d1feef},
    };

    private static byte[] addr(String s) throws Exception {
        return InetAddress.getByName(s).getAddress();
    }

    private static byte[] input(Object[] v, boolean ports) throws Exception {
        byte[] dst = addr((String) v[0]);
        byte[] src = addr((String) v[2]);
        ByteBuffer b = ByteBuffer.allocate(src.length * 2 + (ports ? 4 : 0));
        b.put(src).put(dst);
        if (ports) {
            b.putShort((short) (int) (Integer) v[3]).putShort((short) (int) (Integer) v[1]);
        }
        return b.array();
    }

    @Test
    void microsoftVerificationSuiteIpv4() throws Exception {
        Toeplitz t = Toeplitz.microsoft();
        for (Object[] v : V4) {
            assertThat(t.hash(input(v, false))).as("%s", v[2]).isEqualTo((int) v[4]);
            assertThat(t.hash(input(v, true))).as("%s with ports", v[2]).isEqualTo((int) v[5]);
        }
    }

    @Test
    void microsoftVerificationSuiteIpv6() throws Exception {
        Toeplitz t = Toeplitz.microsoft();
        for (Object[] v : V6) {
            assertThat(t.hash(input(v, false))).as("%s", v[2]).isEqualTo((int) v[4]);
            assertThat(t.hash(input(v, true))).as("%s with ports", v[2]).isEqualTo((int) v[5]);
        }
    }

    @Test
    void flowHasherParsesPacketsToTheSameValues() throws Exception {
        FlowHasher h = new FlowHasher(Toeplitz.microsoft());
        try (Arena arena = Arena.ofConfined()) {
            for (Object[] v : V4) {
                MemorySegment p = arena.allocate(64);
                writeV4(p, addr((String) v[2]), addr((String) v[0]), (Integer) v[3], (Integer) v[1], 6, false);
                assertThat(h.hash(p, 0, 64)).isEqualTo((int) v[5]);
                writeV4(p, addr((String) v[2]), addr((String) v[0]), (Integer) v[3], (Integer) v[1], 1, false); // ICMP
                assertThat(h.hash(p, 0, 64)).isEqualTo((int) v[4]);
                writeV4(p, addr((String) v[2]), addr((String) v[0]), (Integer) v[3], (Integer) v[1], 17, true); // fragment
                assertThat(h.hash(p, 0, 64)).isEqualTo((int) v[4]);
            }
            for (Object[] v : V6) {
                MemorySegment p = arena.allocate(80);
                writeV6(p, addr((String) v[2]), addr((String) v[0]), (Integer) v[3], (Integer) v[1]);
                assertThat(h.hash(p, 0, 80)).isEqualTo((int) v[5]);
            }
            MemorySegment arp = arena.allocate(60);
            arp.set(ValueLayout.JAVA_BYTE, 12, (byte) 0x08);
            arp.set(ValueLayout.JAVA_BYTE, 13, (byte) 0x06);
            assertThat(h.hash(arp, 0, 60)).isZero();
            assertThat(h.hash(arp, 0, 10)).isZero();
        }
    }

    @Test
    void symmetricKeyHashesBothDirectionsAlike() throws Exception {
        FlowHasher sym = new FlowHasher(Toeplitz.symmetric());
        FlowHasher ms = new FlowHasher(Toeplitz.microsoft());
        Random rnd = new Random(7);
        int asymmetric = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fwd = arena.allocate(80);
            MemorySegment rev = arena.allocate(80);
            for (int i = 0; i < 1000; i++) {
                byte[] a = new byte[4];
                byte[] b = new byte[4];
                rnd.nextBytes(a);
                rnd.nextBytes(b);
                int pa = rnd.nextInt(65536);
                int pb = rnd.nextInt(65536);
                writeV4(fwd, a, b, pa, pb, 17, false);
                writeV4(rev, b, a, pb, pa, 17, false);
                assertThat(sym.hash(fwd, 0, 64)).isEqualTo(sym.hash(rev, 0, 64));
                if (ms.hash(fwd, 0, 64) != ms.hash(rev, 0, 64)) {
                    asymmetric++;
                }
                byte[] a6 = new byte[16];
                byte[] b6 = new byte[16];
                rnd.nextBytes(a6);
                rnd.nextBytes(b6);
                writeV6(fwd, a6, b6, pa, pb);
                writeV6(rev, b6, a6, pb, pa);
                assertThat(sym.hash(fwd, 0, 80)).isEqualTo(sym.hash(rev, 0, 80));
            }
        }
        assertThat(asymmetric).isGreaterThan(990); // the default key is not symmetric
    }

    static void writeV4(MemorySegment p, byte[] src, byte[] dst, int sport, int dport, int protocol, boolean fragment) {
        p.fill((byte) 0);
        p.set(ValueLayout.JAVA_BYTE, 12, (byte) 0x08);
        p.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x45);
        putU16(p, 14 + 2, 64 - 14); // Total Length: a 64-byte frame
        if (fragment) {
            p.set(ValueLayout.JAVA_BYTE, 14 + 6, (byte) 0x20); // MF
        }
        p.set(ValueLayout.JAVA_BYTE, 14 + 9, (byte) protocol);
        MemorySegment.copy(src, 0, p, ValueLayout.JAVA_BYTE, 14 + 12, 4);
        MemorySegment.copy(dst, 0, p, ValueLayout.JAVA_BYTE, 14 + 16, 4);
        putU16(p, 34, sport);
        putU16(p, 36, dport);
        if (protocol == 6) {
            p.set(ValueLayout.JAVA_BYTE, 34 + 12, (byte) 0x50); // Data Offset 5
        } else if (protocol == 17) {
            putU16(p, 34 + 4, 64 - 34); // UDP Length
        }
    }

    static void writeV6(MemorySegment p, byte[] src, byte[] dst, int sport, int dport) {
        p.fill((byte) 0);
        p.set(ValueLayout.JAVA_BYTE, 12, (byte) 0x86);
        p.set(ValueLayout.JAVA_BYTE, 13, (byte) 0xdd);
        p.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x60);
        putU16(p, 14 + 4, 80 - 54); // Payload Length: an 80-byte frame
        p.set(ValueLayout.JAVA_BYTE, 14 + 6, (byte) 6);
        MemorySegment.copy(src, 0, p, ValueLayout.JAVA_BYTE, 14 + 8, 16);
        MemorySegment.copy(dst, 0, p, ValueLayout.JAVA_BYTE, 14 + 24, 16);
        putU16(p, 54, sport);
        putU16(p, 56, dport);
        p.set(ValueLayout.JAVA_BYTE, 54 + 12, (byte) 0x50); // TCP Data Offset 5
    }

    private static void putU16(MemorySegment p, long at, int v) {
        p.set(ValueLayout.JAVA_BYTE, at, (byte) (v >>> 8));
        p.set(ValueLayout.JAVA_BYTE, at + 1, (byte) v);
    }
}
