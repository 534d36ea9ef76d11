package dev.sluice.proto;

import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put32;
import static dev.sluice.proto.NetworkOrder.put64;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u32;
import static dev.sluice.proto.NetworkOrder.u64;

/**
 * In-place header swaps of testpmd's macswap and 5tswap modes, over a whole batch. Checksums stay
 * valid: a ones'-complement sum does not depend on the order of its terms. One place for both the
 * forwarding loop and the pipeline's forward handler.
 *
 * <p>The five-tuple swap finds the headers with {@link HeaderWalk}: addresses are swapped when the
 * IP header(s) passed the walk's checks, ports when the walk found a TCP or UDP header (never in a
 * non-first fragment). Frames the walk rejects earlier are left alone; nothing is read past a
 * frame's length.
 */
public final class HeaderSwaps {
    private static final int MAC_PAIR = EthernetHeader.ETHERTYPE_OFFSET;

    private HeaderSwaps() {
    }

    /** Swaps source and destination MAC of every packet; returns the frames too short for it. */
    public static int swapMacs(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
        int runts = 0;
        for (int i = 0; i < n; i++) {
            if (b.length(i) < MAC_PAIR) {
                runts++;
                continue;
            }
            long at = b.address(i);
            // a = d0 d1 d2 d3 d4 d5 s0 s1, c = s2 s3 s4 s5 → s0..s5 d0..d5
            long a = u64(seg, at);
            int c = u32(seg, at + 8);
            put64(seg, at, (a << 48) | ((c & 0xFFFF_FFFFL) << 16) | (a >>> 48));
            put32(seg, at + 8, (int) (a >>> 16));
        }
        return runts;
    }

    /** Swaps IPv4/IPv6 addresses and TCP/UDP ports of every packet (the walk's VLAN tags and IPv6 extension headers included). */
    public static void swapFiveTuples(PacketBatch b) {
        MemorySegment seg = b.umem();
        int n = b.count();
        for (int i = 0; i < n; i++) {
            swapFiveTuple(seg, b.address(i), b.length(i));
        }
    }

    /** Swaps the addresses and ports of the frame of {@code length} bytes at {@code at}. */
    public static void swapFiveTuple(MemorySegment s, long at, int length) {
        long walk = HeaderWalk.walk(s, at, length);
        if (!HeaderWalk.hasAddresses(walk)) {
            return;
        }
        long ip = at + HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk));
        if (HeaderWalk.isIpv6(walk)) {
            for (int k = 0; k < 16; k += 8) {
                long src = u64(s, ip + Ipv6Header.SOURCE_OFFSET + k);
                put64(s, ip + Ipv6Header.SOURCE_OFFSET + k, u64(s, ip + Ipv6Header.DESTINATION_OFFSET + k));
                put64(s, ip + Ipv6Header.DESTINATION_OFFSET + k, src);
            }
        } else {
            int src = u32(s, ip + Ipv4Header.SOURCE_OFFSET);
            put32(s, ip + Ipv4Header.SOURCE_OFFSET, u32(s, ip + Ipv4Header.DESTINATION_OFFSET));
            put32(s, ip + Ipv4Header.DESTINATION_OFFSET, src);
        }
        if (HeaderWalk.hasPorts(walk)) {
            long l4 = at + HeaderWalk.l4Offset(walk);
            int sp = u16(s, l4);
            put16(s, l4, u16(s, l4 + 2));
            put16(s, l4 + 2, sp);
        }
    }
}
