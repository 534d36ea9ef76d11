package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.HashFields;
import dev.sluice.lb.hash.Hash64;

/**
 * The flow hash that picks a backend: {@link Hash64#mix} of the fields a VIP hashes
 * ({@link HashFields}), each with its own weight, so that the handler, {@code which} and another instance
 * compute the same value for the same packet. Addresses are two longs (IPv6 bytes 0..7 and 8..15;
 * an IPv4 address is {@code (0, address & 0xFFFFFFFF)}). Also derives from a flow hash the values
 * that must be stable per flow but spread over flows: the outer source address and the GUE source
 * port. No allocation.
 */
public final class FlowHash {
    /** {@link HashFields} as ints for the data path. */
    public static final int FIVE_TUPLE = 0;
    public static final int SOURCE = 1;
    public static final int SOURCE_PORT = 2;

    /** GUE source ports are taken from the dynamic range 49152..65535 (RFC 6335), as flow entropy. */
    public static final int GUE_SOURCE_PORT_BASE = 49152;

    private static final long SEED = 0x51C3_F10A_4A5B_0001L;
    private static final long FRAGMENT_SEED = 0x51C3_F10A_4A5B_0002L;
    private static final long SOURCE_SEED = 0x51C3_F10A_4A5B_0003L;
    private static final long SOURCE_PORT_SEED = 0x51C3_F10A_4A5B_0004L;
    private static final long OUTER_SOURCE_SEED = 0x0DE7_5A11_C0FF_EE01L;
    private static final long GUE_PORT_SEED = 0x0DE7_5A11_C0FF_EE02L;

    private FlowHash() {
    }

    public static int fields(HashFields fields) {
        return switch (fields) {
            case FIVE_TUPLE -> FIVE_TUPLE;
            case SOURCE -> SOURCE;
            case SOURCE_PORT -> SOURCE_PORT;
        };
    }

    // One odd multiplier per field: a hash is the fields' weighted sum, mixed once. The products are
    // independent, so the latency is one multiplication and one mix, not a chain of mixes.
    private static final long SRC_HI = 0xD6E8_FEB8_6659_FD93L;
    private static final long SRC_LO = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long DST_HI = 0xFF51_AFD7_ED55_8CCDL;
    private static final long DST_LO = 0x1656_67B1_9E37_79F9L;
    private static final long PORTS = 0x9E37_79B9_7F4A_7C15L;

    /**
     * The hash of a flow over {@code fields}: the source address always; the source port for
     * {@link #SOURCE_PORT} and {@link #FIVE_TUPLE}; the destination address and port and the protocol
     * for {@link #FIVE_TUPLE}; each field weighted by its own odd constant, summed with a seed of the
     * field set, and mixed once ({@link Hash64#mix}).
     */
    public static long of(int fields, int protocol, long srcHi, long srcLo, int srcPort,
                          long dstHi, long dstLo, int dstPort) {
        long source = srcHi * SRC_HI + srcLo * SRC_LO;
        if (fields == SOURCE) {
            return Hash64.mix(SOURCE_SEED + source);
        }
        if (fields == SOURCE_PORT) {
            return Hash64.mix(SOURCE_PORT_SEED + source + (srcPort & 0xFFFFL) * PORTS);
        }
        long ports = (srcPort & 0xFFFFL) << 32 | (protocol & 0xFFL) << 16 | (dstPort & 0xFFFFL);
        return Hash64.mix(SEED + source + dstHi * DST_HI + dstLo * DST_LO + ports * PORTS);
    }

    /**
     * The hash of a fragment (any, first or not), which carries no ports or only in its first piece:
     * source and destination address and protocol, so every fragment of one datagram reaches one
     * backend. A VIP that hashes on the source address only uses {@link #of} instead: that already
     * is port-free, and keeps fragments with their flow.
     */
    public static long fragment(int protocol, long srcHi, long srcLo, long dstHi, long dstLo) {
        return Hash64.mix(FRAGMENT_SEED + srcHi * SRC_HI + srcLo * SRC_LO + dstHi * DST_HI + dstLo * DST_LO
                + (protocol & 0xFFL) * PORTS);
    }

    /** 64 bits for the host part of an outer source address, from a flow hash (independent of its Maglev slot). */
    public static long outerSourceBits(long flowHash) {
        return Hash64.mix(flowHash ^ OUTER_SOURCE_SEED);
    }

    /** A second 64 bits for the low half of an IPv6 outer source address. */
    public static long outerSourceBitsLow(long flowHash) {
        return Hash64.mix(flowHash ^ ~OUTER_SOURCE_SEED);
    }

    /** The GUE source port of a flow: 49152..65535. */
    public static int gueSourcePort(long flowHash) {
        return GUE_SOURCE_PORT_BASE | (int) (Hash64.mix(flowHash ^ GUE_PORT_SEED) & 0x3FFF);
    }
}
