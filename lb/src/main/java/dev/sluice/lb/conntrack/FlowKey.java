package dev.sluice.lb.conntrack;

import dev.sluice.lb.hash.Hash64;

/**
 * The key of one flow in a {@link ConnectionTable}: the VIP's index, the protocol, the source
 * address and both ports (the VIP fixes the destination address, see
 * {@link ConnectionTableDescriptor}). Mutable and meant to be reused (one per burst slot): setting
 * it allocates nothing and computes its {@link #hash()} once.
 * <p>
 * The key is held as the three 64-bit words the table stores: one word of VIP index, protocol and
 * ports, then the source address as an IPv6 address in two big-endian halves. An IPv4 address is
 * held as its IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}), so an IPv4 key and the IPv6 key of
 * the mapped address are the same key (they could only meet under one VIP index if the caller gave
 * one index to two VIPs).
 * <p>
 * Ranges: the VIP index is taken modulo 2<sup>24</sup>, the protocol modulo 2<sup>8</sup> and the
 * ports modulo 2<sup>16</sup> (only the low bits are kept, nothing is checked: the data path never
 * throws). A caller keeps VIP indices below 2<sup>24</sup> so that two VIPs never share a key.
 */
public final class FlowKey {
    /** High half of an IPv4-mapped IPv6 address. */
    static final long MAPPED_HI = 0L;
    /** Bits 32..63 of the low half of an IPv4-mapped IPv6 address: {@code 0000:ffff}. */
    static final long MAPPED_LO_PREFIX = 0x0000_FFFF_0000_0000L;

    /** Protocol number of TCP; every other protocol takes the UDP idle timeout. */
    public static final int TCP = 6;
    /** Protocol number of UDP. */
    public static final int UDP = 17;

    private long meta;
    private long srcHi;
    private long srcLo;
    private long hash;
    /** Sink of {@link ConnectionTable#prefetch}'s loads, so that the compiler cannot drop them. */
    long touched;

    /** Sets an IPv4 flow; the source address is the value of its big-endian wire bytes. */
    public void ipv4(int vip, int protocol, int src, int srcPort, int dstPort) {
        set(vip, protocol, MAPPED_HI, mappedIpv4(src), srcPort, dstPort);
    }

    /** The low half of the IPv4-mapped IPv6 address of {@code src} (the value of its big-endian wire bytes); the high half is 0. */
    public static long mappedIpv4(int src) {
        return MAPPED_LO_PREFIX | (src & 0xFFFF_FFFFL);
    }

    /** Sets an IPv6 flow; the source address is its big-endian bytes 0..7 ({@code srcHi}) and 8..15 ({@code srcLo}). */
    public void ipv6(int vip, int protocol, long srcHi, long srcLo, int srcPort, int dstPort) {
        set(vip, protocol, srcHi, srcLo, srcPort, dstPort);
    }

    /** Makes this key equal to {@code other}. */
    public void copyFrom(FlowKey other) {
        meta = other.meta;
        srcHi = other.srcHi;
        srcLo = other.srcLo;
        hash = other.hash;
    }

    private void set(int vip, int protocol, long sHi, long sLo, int srcPort, int dstPort) {
        long m = ConnectionTableDescriptor.meta(vip, protocol, srcPort, dstPort);
        meta = m;
        srcHi = sHi;
        srcLo = sLo;
        hash = hash(m, sHi, sLo);
    }

    /**
     * The {@link #hash()} of the key of these words: its {@link #meta()} word and source address
     * halves (an IPv4 source {@link #mappedIpv4 mapped}), for callers that hold keys as words.
     */
    public static long hash(long meta, long srcHi, long srcLo) {
        // Each word times its own odd constant, summed, then one strong mix: the products are
        // independent, so the hash costs one multiply and one mix of latency, not a chain of mixes.
        return Hash64.mix(meta * 0x9E37_79B9_7F4A_7C15L + srcHi * 0xD6E8_FEB8_6659_FD93L + srcLo * 0xC2B2_AE3D_27D4_EB4FL);
    }

    /**
     * The first word of a key: VIP index, protocol and both ports, laid out as
     * {@link ConnectionTableDescriptor} draws it ({@code ports}: source port in bits 31..16,
     * destination port in 15..0, as they follow each other in the L4 header).
     */
    public static long meta(int vip, int protocol, int ports) {
        return ConnectionTableDescriptor.meta(vip, protocol, ports >>> 16, ports & 0xFFFF);
    }

    /**
     * Deterministic 64-bit hash of the whole key ({@link Hash64#mix} of the words' weighted sum),
     * computed when the key was set. It spreads keys over buckets; it is not the flow hash that
     * chooses a backend.
     */
    public long hash() {
        return hash;
    }

    public int vip() {
        return ConnectionTableDescriptor.vipOf(meta);
    }

    public int protocol() {
        return ConnectionTableDescriptor.protocolOf(meta);
    }

    public int srcPort() {
        return ConnectionTableDescriptor.srcPortOf(meta);
    }

    public int dstPort() {
        return ConnectionTableDescriptor.dstPortOf(meta);
    }

    /** True when the source address is IPv4-mapped, i.e. the key was set by {@link #ipv4} (or its IPv6 equivalent). */
    public boolean isIpv4() {
        return srcHi == MAPPED_HI && (srcLo & 0xFFFF_FFFF_0000_0000L) == MAPPED_LO_PREFIX;
    }

    /** The key's first word: see {@link #meta(int, int, int)}. */
    public long meta() {
        return meta;
    }

    /** High half of the source address (0 for IPv4). */
    public long srcHi() {
        return srcHi;
    }

    /** Low half of the source address (IPv4: {@link #mappedIpv4 mapped}). */
    public long srcLo() {
        return srcLo;
    }

    @Override
    public String toString() {
        return "FlowKey{vip=" + vip() + ", protocol=" + protocol()
                + ", src=" + Long.toHexString(srcHi) + ':' + Long.toHexString(srcLo) + " port " + srcPort()
                + ", dst port " + dstPort() + '}';
    }
}
