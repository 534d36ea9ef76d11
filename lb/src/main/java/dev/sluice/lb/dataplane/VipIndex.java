package dev.sluice.lb.dataplane;

import dev.sluice.lb.hash.Hash64;

import java.util.Arrays;

/**
 * The VIP lookup of {@link LbTables}: an immutable open-addressing hash map (linear probing, at most
 * half full) from a key to a VIP's index. A key is an address (two longs, IPv4 as {@code (0, a)}),
 * the family, and a 32-bit selector made of a kind, the protocol and the port:
 *
 * <pre>
 *  31  30 29 28        24 23             16 15                              0
 * +------+--+------------+-----------------+--------------------------------+
 * | kind |6 |     0      |    protocol     |              port              |
 * +------+--+------------+-----------------+--------------------------------+
 *  kind: 1 = a VIP (port 0 = every port), 2 = the VIP that takes an (address, protocol)'s
 *  fragments (port 0), 3 = "this address is a VIP" (protocol 0, port 0; ICMP). 6: IPv6.
 * </pre>
 * Built once by the table builder; {@link #find} allocates nothing.
 */
final class VipIndex {
    static final int KIND_PORT = 1;
    static final int KIND_FRAGMENT = 2;
    static final int KIND_ADDRESS = 3;

    static final int NOT_FOUND = -1;

    private final long[] his;
    private final long[] los;
    private final int[] selectors;
    private final int[] values;
    private final int mask;

    private VipIndex(int capacity) {
        his = new long[capacity];
        los = new long[capacity];
        selectors = new int[capacity];
        values = new int[capacity];
        Arrays.fill(values, NOT_FOUND);
        mask = capacity - 1;
    }

    static int selector(int kind, boolean ipv6, int protocol, int port) {
        return kind << 30 | (ipv6 ? 1 << 29 : 0) | (protocol & 0xFF) << 16 | (port & 0xFFFF);
    }

    /** The VIP index stored for this key, or {@link #NOT_FOUND}. */
    int find(long hi, long lo, int selector) {
        int m = mask;
        int i = slot(hi, lo, selector) & m;
        while (true) {
            int v = values[i];
            if (v == NOT_FOUND) {
                return NOT_FOUND;
            }
            if (selectors[i] == selector && los[i] == lo && his[i] == hi) {
                return v;
            }
            i = (i + 1) & m;
        }
    }

    private static int slot(long hi, long lo, int selector) {
        return (int) Hash64.mix(lo ^ Long.rotateLeft(hi, 29) ^ ((long) selector * 0x9E37_79B9_7F4A_7C15L));
    }

    /** Collects keys, then {@link #build}s the index (control plane). */
    static final class Builder {
        private long[] his = new long[16];
        private long[] los = new long[16];
        private int[] selectors = new int[16];
        private int[] values = new int[16];
        private int count;

        private final java.util.Set<Key> seen = new java.util.HashSet<>();

        private record Key(long hi, long lo, int selector) {
        }

        /** Adds a key unless it is there already; returns true when added. */
        boolean putIfAbsent(long hi, long lo, int selector, int value) {
            if (!seen.add(new Key(hi, lo, selector))) {
                return false;
            }
            if (count == values.length) {
                his = Arrays.copyOf(his, count * 2);
                los = Arrays.copyOf(los, count * 2);
                selectors = Arrays.copyOf(selectors, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            his[count] = hi;
            los[count] = lo;
            selectors[count] = selector;
            values[count] = value;
            count++;
            return true;
        }

        VipIndex build() {
            int capacity = Math.max(8, Integer.highestOneBit(Math.max(1, count) * 2 - 1) << 1);
            VipIndex index = new VipIndex(capacity);
            for (int k = 0; k < count; k++) {
                int i = slot(his[k], los[k], selectors[k]) & index.mask;
                while (index.values[i] != NOT_FOUND) {
                    i = (i + 1) & index.mask;
                }
                index.his[i] = his[k];
                index.los[i] = los[k];
                index.selectors[i] = selectors[k];
                index.values[i] = values[k];
            }
            return index;
        }
    }
}
