package dev.sluice.lb.maglev;

import dev.sluice.lb.hash.Hash64;

import java.util.Arrays;

/**
 * A Maglev lookup table (Eisenbud et al., NSDI'16, §3.4): {@code size} slots (a prime), each naming
 * the backend that a flow hashing to it goes to. Each backend {@code i} has a preference list
 * {@code (offset_i + j * skip_i) mod size}; backends take turns claiming their next still-empty
 * preferred slot until every slot is taken. A backend takes turns in proportion to its weight (its
 * credit grows by its weight each round and it takes a turn per {@code maxWeight} of credit), so a
 * weight-0 backend takes none. With equal weights each backend ends with ⌊M/N⌋ or ⌈M/N⌉ slots, and
 * removing a backend moves few slots other than its own.
 *
 * <p>Backends are identified by their index in the arrays given to {@link #build}; the caller passes
 * them in a canonical order (sorted by address) so that the table depends only on the set of
 * backends, never on the order of lines in a file. Immutable once built; {@link #backendFor} is one
 * array read. A table of fewer than 65535 backends (every real one) keeps its slots as 16-bit
 * values, so that the default 65537 slots take 128 KiB of cache rather than 256 KiB.
 */
public final class MaglevTable {
    /** Slot value when no backend can take flows (none, or all weight 0). */
    public static final int NO_BACKEND = -1;

    private static final long OFFSET_SEED = 0x5151_1CE0_0FF5_E7L;
    private static final long SKIP_SEED = 0x5151_1CE0_5C1B_00L;

    /** Slot value of a 16-bit table when no backend can take flows. */
    private static final char NARROW_NONE = 0xFFFF;

    /** The slots as 16-bit backend indices, {@link #NARROW_NONE} for none; null when {@link #wide} holds them. */
    private final char[] narrow;
    /** The slots of a table of 65535 backends or more; null otherwise. */
    private final int[] wide;

    private MaglevTable(int[] slots, int backends) {
        if (backends < NARROW_NONE) {
            char[] c = new char[slots.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = slots[i] == NO_BACKEND ? NARROW_NONE : (char) slots[i];
            }
            this.narrow = c;
            this.wide = null;
        } else {
            this.narrow = null;
            this.wide = slots;
        }
    }

    /**
     * Builds the table for backends identified by 64-bit keys (e.g. {@link Hash64#of} of their
     * address), in canonical order.
     */
    public static MaglevTable build(long[] backendKeys, int[] weights, int size) {
        requirePrime(size);
        int n = backendKeys.length;
        int[] offsets = new int[n];
        int[] skips = new int[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = (int) Long.remainderUnsigned(Hash64.mix(backendKeys[i] ^ OFFSET_SEED), size);
            skips[i] = (int) Long.remainderUnsigned(Hash64.mix(backendKeys[i] ^ SKIP_SEED), size - 1) + 1;
        }
        return populate(offsets, skips, weights, size);
    }

    /** Builds the table from explicit permutation parameters (the paper's notation; tests). */
    public static MaglevTable populate(int[] offsets, int[] skips, int[] weights, int size) {
        requirePrime(size);
        int n = offsets.length;
        if (skips.length != n || weights.length != n) {
            throw new IllegalArgumentException("offsets, skips and weights differ in length");
        }
        for (int i = 0; i < n; i++) {
            // A skip in 1..size-1 of a prime size visits every slot, so each claim below ends.
            if (offsets[i] < 0 || offsets[i] >= size || skips[i] < 1 || skips[i] >= size) {
                throw new IllegalArgumentException("backend " + i + ": offset " + offsets[i] + " or skip " + skips[i]
                        + " out of range (offset 0.." + (size - 1) + ", skip 1.." + (size - 1) + ")");
            }
        }
        int[] slots = new int[size];
        Arrays.fill(slots, NO_BACKEND);
        int maxWeight = 0;
        for (int w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("negative weight " + w);
            }
            maxWeight = Math.max(maxWeight, w);
        }
        if (maxWeight == 0) {
            return new MaglevTable(slots, n);
        }
        long[] next = new long[n];
        long[] credit = new long[n];
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                credit[i] += weights[i];
                if (credit[i] < maxWeight) {
                    continue;
                }
                credit[i] -= maxWeight;
                int slot;
                do {
                    slot = (int) ((offsets[i] + next[i] * skips[i]) % size);
                    next[i]++;
                } while (slots[slot] != NO_BACKEND);
                slots[slot] = i;
                if (++filled == size) {
                    return new MaglevTable(slots, n);
                }
            }
        }
    }

    /**
     * The backend index of a flow hash, or {@link #NO_BACKEND}. The slot is the high 32 bits of the
     * hash scaled to the table ({@code (h32 * size) >>> 32}, Lemire's multiply-shift range
     * reduction): one multiplication instead of a 64-bit division, and every slot is the image of
     * ⌊2³²/size⌋ or ⌈2³²/size⌉ hash values, as with a remainder.
     */
    public int backendFor(long flowHash) {
        char[] c = narrow;
        if (c != null) {
            int v = c[slotOf(flowHash, c.length)];
            return v == NARROW_NONE ? NO_BACKEND : v;
        }
        return wide[slotOf(flowHash, wide.length)];
    }

    /** The slot of a flow hash in a table of {@code size} slots. */
    static int slotOf(long flowHash, int size) {
        return (int) (((flowHash >>> 32) * size) >>> 32);
    }

    public int size() {
        return narrow != null ? narrow.length : wide.length;
    }

    /** Backend index of slot {@code i} (tests, {@code which}, disruption figures). */
    public int slot(int i) {
        if (narrow != null) {
            return narrow[i] == NARROW_NONE ? NO_BACKEND : narrow[i];
        }
        return wide[i];
    }

    static void requirePrime(int size) {
        if (size < 2 || !java.math.BigInteger.valueOf(size).isProbablePrime(30)) {
            throw new IllegalArgumentException("Maglev table size must be a prime, not " + size);
        }
    }

    /** True when {@code n} is a prime a table may have (the config loader checks with this). */
    public static boolean isValidSize(int n) {
        return n >= 2 && java.math.BigInteger.valueOf(n).isProbablePrime(30);
    }
}
