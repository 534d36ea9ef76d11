package dev.sluice.pipeline.hash;

import dev.sluice.proto.HeaderWalk;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6Header;

import java.lang.foreign.MemorySegment;

/**
 * The RSS hash of a packet's flow: Toeplitz over source address, destination address, and for TCP and
 * UDP source and destination port, exactly as NICs compute it (Microsoft RSS input order). The headers
 * are found by {@link HeaderWalk}, the walk the parser and the steering program use (two VLAN tags,
 * IPv4 options through a checked IHL, IPv6 extension headers).
 * <p>
 * Frames whose IP header(s) fail the walk (non-IP, truncated, malformed) hash to 0. Fragments, first
 * or not, hash on addresses alone, so that all fragments of a datagram land together; so do frames
 * whose TCP or UDP header fails the walk. Never throws, never allocates.
 */
public final class FlowHasher {
    private static final int IPV4_ADDRESSES = 8;
    private static final int IPV6_ADDRESSES = 32;

    private final Toeplitz toeplitz;

    public FlowHasher(Toeplitz toeplitz) {
        this.toeplitz = toeplitz;
    }

    public Toeplitz toeplitz() {
        return toeplitz;
    }

    /** Hash of the packet at {@code segment[at..at+length)}. */
    public int hash(MemorySegment segment, long at, int length) {
        long walk = HeaderWalk.walk(segment, at, length);
        if (!HeaderWalk.hasAddresses(walk)) {
            return 0;
        }
        long ip = at + HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk));
        int h;
        int portsAt;
        if (HeaderWalk.isIpv6(walk)) {
            h = toeplitz.hashPart(0, segment, ip + Ipv6Header.SOURCE_OFFSET, IPV6_ADDRESSES);
            portsAt = IPV6_ADDRESSES;
        } else {
            h = toeplitz.hashPart(0, segment, ip + Ipv4Header.SOURCE_OFFSET, IPV4_ADDRESSES);
            portsAt = IPV4_ADDRESSES;
        }
        if (HeaderWalk.hasPorts(walk) && !HeaderWalk.isFragment(walk)) {
            h ^= toeplitz.hashPart(portsAt, segment, at + HeaderWalk.l4Offset(walk), HeaderWalk.PORTS_LENGTH);
        }
        return h;
    }
}
