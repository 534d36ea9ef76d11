package dev.sluice.lb.hash;

import java.net.InetAddress;

/**
 * The balancer's one deterministic 64-bit hash: no random seed and no identity hash, so that two
 * instances, or one instance after a restart, compute the same value for the same input. Values are
 * folded in one {@code long} at a time through a strong 64-bit finaliser (the one of MurmurHash3),
 * which is enough to spread flows and Maglev permutations evenly; it is not meant to resist an
 * adversary choosing inputs. Allocation-free except {@link #of(InetAddress)}, which the control
 * plane calls.
 */
public final class Hash64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Hash64() {
    }

    /** Bijective mix of all 64 bits into all 64 bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Folds {@code value} into the running hash {@code h}; order matters. */
    public static long fold(long h, long value) {
        return mix(h ^ (value + GOLDEN + (h << 6) + (h >>> 2)));
    }

    /** Hash of bytes, eight at a time, the length folded last. */
    public static long of(byte[] bytes, long seed) {
        long h = seed;
        int i = 0;
        for (; i + 8 <= bytes.length; i += 8) {
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v = (v << 8) | (bytes[i + k] & 0xffL);
            }
            h = fold(h, v);
        }
        long tail = 0;
        for (; i < bytes.length; i++) {
            tail = (tail << 8) | (bytes[i] & 0xffL);
        }
        return fold(fold(h, tail), bytes.length);
    }

    /** Hash of an address's bytes (4 or 16). */
    public static long of(InetAddress address) {
        return of(address.getAddress(), 0);
    }
}
