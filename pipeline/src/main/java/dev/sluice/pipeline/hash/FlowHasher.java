package dev.sluice.pipeline.hash;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The RSS hash of a packet's flow: Toeplitz over source address, destination address, and for TCP and
 * UDP source and destination port, exactly as NICs compute it (Microsoft RSS input order). Parses just
 * enough at fixed offsets: Ethernet, up to two VLAN tags, IPv4 (options skipped through IHL) or IPv6
 * (fixed header only: extension headers are not walked, such packets hash on addresses alone).
 * <p>
 * IPv4 fragments hash on addresses alone (all fragments of a datagram land together); non-IP frames
 * and frames too short for their headers hash to 0. Never throws, never allocates.
 */
public final class FlowHasher {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88a8;
    private static final int TCP = 6;
    private static final int UDP = 17;

    private final Toeplitz toeplitz;

    public FlowHasher(Toeplitz toeplitz) {
        this.toeplitz = toeplitz;
    }

    public Toeplitz toeplitz() {
        return toeplitz;
    }

    /** Hash of the packet at {@code segment[at..at+length)}. */
    public int hash(MemorySegment segment, long at, int length) {
        if (length < 14) {
            return 0;
        }
        int l3 = 14;
        int type = u16(segment, at + 12);
        for (int tags = 0; tags < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); tags++) {
            if (length < l3 + 4) {
                return 0;
            }
            type = u16(segment, at + l3 + 2);
            l3 += 4;
        }
        if (type == ETHERTYPE_IPV4) {
            return ipv4(segment, at, length, l3);
        }
        if (type == ETHERTYPE_IPV6) {
            return ipv6(segment, at, length, l3);
        }
        return 0;
    }

    private int ipv4(MemorySegment s, long at, int length, int l3) {
        if (length < l3 + 20) {
            return 0;
        }
        int ihl = (s.get(ValueLayout.JAVA_BYTE, at + l3) & 0x0f) * 4;
        int protocol = s.get(ValueLayout.JAVA_BYTE, at + l3 + 9) & 0xff;
        int h = toeplitz.hashPart(0, s, at + l3 + 12, 8);
        boolean fragment = (u16(s, at + l3 + 6) & 0x3fff) != 0;
        int l4 = l3 + ihl;
        if (!fragment && ihl >= 20 && (protocol == TCP || protocol == UDP) && length >= l4 + 4) {
            h ^= toeplitz.hashPart(8, s, at + l4, 4);
        }
        return h;
    }

    private int ipv6(MemorySegment s, long at, int length, int l3) {
        if (length < l3 + 40) {
            return 0;
        }
        int next = s.get(ValueLayout.JAVA_BYTE, at + l3 + 6) & 0xff;
        int h = toeplitz.hashPart(0, s, at + l3 + 8, 32);
        if ((next == TCP || next == UDP) && length >= l3 + 44) {
            h ^= toeplitz.hashPart(32, s, at + l3 + 40, 4);
        }
        return h;
    }

    private static int u16(MemorySegment s, long at) {
        return s.get(U16, at) & 0xffff;
    }
}
