package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.maglev.MaglevTable;
import dev.sluice.lb.stats.LbStats;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * One VIP of an {@link LbTables}: its configuration, its Maglev table and its backends, sorted by
 * address bytes (IPv4 before IPv6), in parallel arrays the data path reads without allocating.
 * Backend {@code i} of the arrays is Maglev's backend {@code i}. Each backend has an id that the
 * table builder keeps stable across rebuilds (one per address), which is what connection tables
 * store: a flow whose backend id is no longer in the VIP is treated as new. Immutable.
 */
public final class Vip {
    /** {@link Forwarding} as ints for the data path. */
    public static final int DSR = 0;
    public static final int IPIP = 1;
    public static final int GUE = 2;

    /** Stable across rebuilds for the same (address, protocol, port): the connection tables' VIP key. */
    final int id;
    final VipConfig config;
    final boolean ipv6;
    final long addressHi;
    final long addressLo;
    final int protocol;
    final int port;
    final int forwarding;
    final int hashFields;
    final int guePort;
    final MaglevTable maglev;

    final InetAddress[] backendAddresses;
    final int[] backendIds;
    final boolean[] backendIpv6;
    final long[] backendHi;
    final long[] backendLo;
    /** DSR: the backend's MAC; ipip / gue: the MAC of the next hop towards it; -1 when unknown. */
    final long[] backendMac;
    /** The weights Maglev was built with: the configured one, or 0 when the backend's MAC is unknown. */
    final int[] effectiveWeights;
    /** The VIP's {@link dev.sluice.lb.stats.LbStats} row ({@link dev.sluice.lb.stats.LbStats#SINK}: not counted). */
    final int statsRow;
    /** Each backend's statistics row, parallel to the backend arrays. */
    final int[] backendStatsRows;

    /** Backend id → index: open addressing over (id + 1, index) pairs side by side; id + 1 = 0: empty. */
    private final int[] idSlots;
    private final int idMask;

    Vip(int id, VipConfig config, InetAddress[] addresses, int[] ids, long[] macs, int[] effectiveWeights) {
        this(id, config, addresses, ids, macs, effectiveWeights, LbStats.SINK, new int[addresses.length]);
    }

    /** With statistics rows: the VIP's, and each backend's (parallel to {@code addresses}). */
    Vip(int id, VipConfig config, InetAddress[] addresses, int[] ids, long[] macs, int[] effectiveWeights,
        int statsRow, int[] backendStatsRows) {
        if (backendStatsRows.length != addresses.length) {
            throw new IllegalArgumentException(addresses.length + " backends but " + backendStatsRows.length + " statistics rows");
        }
        this.id = id;
        this.statsRow = statsRow;
        this.backendStatsRows = backendStatsRows.clone();
        this.config = config;
        this.ipv6 = config.address().getAddress().length == 16;
        this.addressHi = hi(config.address());
        this.addressLo = lo(config.address());
        this.protocol = config.protocol().number();
        this.port = config.port();
        this.forwarding = switch (config.forwarding()) {
            case DSR -> DSR;
            case IPIP -> IPIP;
            case GUE -> GUE;
        };
        this.hashFields = FlowHash.fields(config.hash());
        this.guePort = config.guePort();
        int n = addresses.length;
        this.backendAddresses = addresses.clone();
        this.backendIds = ids.clone();
        this.backendMac = macs.clone();
        this.effectiveWeights = effectiveWeights.clone();
        this.backendIpv6 = new boolean[n];
        this.backendHi = new long[n];
        this.backendLo = new long[n];
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            backendIpv6[i] = addresses[i].getAddress().length == 16;
            backendHi[i] = hi(addresses[i]);
            backendLo[i] = lo(addresses[i]);
            keys[i] = dev.sluice.lb.hash.Hash64.of(addresses[i]);
        }
        this.maglev = MaglevTable.build(keys, effectiveWeights, config.tableSize());
        int capacity = Math.max(8, Integer.highestOneBit(Math.max(1, n) * 2 - 1) << 1);
        this.idSlots = new int[2 * capacity];
        this.idMask = capacity - 1;
        for (int i = 0; i < n; i++) {
            int s = mixId(ids[i]) & idMask;
            while (idSlots[2 * s] != 0) {
                s = (s + 1) & idMask;
            }
            idSlots[2 * s] = ids[i] + 1;
            idSlots[2 * s + 1] = i;
        }
    }

    /** Index of the backend with this id in this VIP, or -1 when it is not (any more) one of its backends. */
    int indexOfBackend(int backendId) {
        int key = backendId + 1;
        int s = mixId(backendId) & idMask;
        while (true) {
            int k = idSlots[2 * s];
            if (k == key) {
                return idSlots[2 * s + 1];
            }
            if (k == 0) {
                return -1;
            }
            s = (s + 1) & idMask;
        }
    }

    /** The backend index Maglev gives a new flow of this hash, or {@link MaglevTable#NO_BACKEND}. */
    int choose(long flowHash) {
        return maglev.backendFor(flowHash);
    }

    private static int mixId(int id) {
        return (id * 0x9E3779B9) >>> 8;
    }

    // ---------------------------------------------------------------- control plane views

    public int id() {
        return id;
    }

    public String name() {
        return config.name();
    }

    public VipConfig config() {
        return config;
    }

    public MaglevTable maglev() {
        return maglev;
    }

    public int backendCount() {
        return backendIds.length;
    }

    /** Backends in table order (sorted by address). */
    public List<InetAddress> backends() {
        return List.of(backendAddresses);
    }

    public InetAddress backendAddress(int index) {
        return backendAddresses[index];
    }

    public int backendId(int index) {
        return backendIds[index];
    }

    /** The MAC packets to this backend are sent to, or -1 when unknown. */
    public long backendMac(int index) {
        return backendMac[index];
    }

    public int effectiveWeight(int index) {
        return effectiveWeights[index];
    }

    /** The VIP's statistics row. */
    public int statsRow() {
        return statsRow;
    }

    /** The statistics row of backend {@code index}. */
    public int backendStatsRow(int index) {
        return backendStatsRows[index];
    }

    @Override
    public String toString() {
        return config.name() + " " + config.protocol().name().toLowerCase() + " " + config.address().getHostAddress()
                + ":" + config.port() + " " + Arrays.toString(backendAddresses);
    }

    static long hi(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    static long lo(InetAddress a) {
        byte[] b = a.getAddress();
        long v = 0;
        for (int i = b.length == 4 ? 0 : 8; i < b.length; i++) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }
}
