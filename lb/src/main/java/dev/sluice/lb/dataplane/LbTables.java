package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.LbConfig;

import java.util.List;

/**
 * Everything the data plane reads to balance, immutable and built off the fast path by
 * {@link LbTablesBuilder}, published to the workers through a
 * {@link dev.sluice.pipeline.runtime.Published} and read once per burst:
 * <ul>
 *   <li>the VIPs, found by (address, protocol, port) and then (address, protocol, 0); the VIP that
 *       takes an (address, protocol)'s fragments; whether an address is a VIP's (ICMP);</li>
 *   <li>per VIP its Maglev table and backends ({@link Vip});</li>
 *   <li>the balancer's own MAC, the egress MTU (the largest IP packet the interface sends), and the
 *       prefixes outer source addresses of encapsulated packets are drawn from.</li>
 * </ul>
 * Lookups take the address as two longs (IPv6 bytes 0..7 and 8..15; IPv4 {@code (0, a & 0xFFFFFFFF)})
 * and allocate nothing.
 */
public final class LbTables {
    /** Returned by the lookups when there is no such VIP. */
    public static final int NO_VIP = -1;

    private final LbConfig config;
    private final Vip[] vips;
    private final VipIndex index;
    private final long ownMac;
    private final int mtu;
    private final boolean hasSource4;
    private final int source4Network;
    private final int source4HostMask;
    private final boolean hasSource6;
    private final long source6NetworkHi;
    private final long source6NetworkLo;
    private final long source6HostMaskHi;
    private final long source6HostMaskLo;
    private final List<UnresolvedBackend> unresolved;
    /** VIP id (stable across builds, what connection-table keys hold) → index in {@link #vips}, or -1. */
    private final int[] vipIndexById;

    LbTables(LbConfig config, Vip[] vips, VipIndex index, long ownMac, int mtu,
             boolean hasSource4, int source4, int source4Length,
             boolean hasSource6, long source6Hi, long source6Lo, int source6Length,
             List<UnresolvedBackend> unresolved) {
        this.config = config;
        this.vips = vips;
        this.index = index;
        this.ownMac = ownMac;
        this.mtu = mtu;
        this.hasSource4 = hasSource4;
        this.source4HostMask = source4Length >= 32 ? 0 : (int) (0xFFFF_FFFFL >>> source4Length);
        this.source4Network = source4 & ~source4HostMask;
        this.hasSource6 = hasSource6;
        this.source6HostMaskHi = source6Length >= 64 ? 0 : -1L >>> source6Length;
        this.source6HostMaskLo = source6Length >= 128 ? 0 : source6Length <= 64 ? -1L : -1L >>> (source6Length - 64);
        this.source6NetworkHi = source6Hi & ~source6HostMaskHi;
        this.source6NetworkLo = source6Lo & ~source6HostMaskLo;
        this.unresolved = List.copyOf(unresolved);
        int maxId = -1;
        for (Vip v : vips) {
            maxId = Math.max(maxId, v.id);
        }
        this.vipIndexById = new int[maxId + 1];
        java.util.Arrays.fill(vipIndexById, -1);
        for (int i = 0; i < vips.length; i++) {
            vipIndexById[vips[i].id] = i;
        }
    }

    /**
     * The statistics row of the backend with this id in the VIP with this id (what an evicted
     * connection-table entry names), or the sink row 0 when that VIP or backend is not in these
     * tables any more (removed, or down).
     */
    int backendStatsRow(int vipId, int backendId) {
        int v = vipId >= 0 && vipId < vipIndexById.length ? vipIndexById[vipId] : -1;
        if (v < 0) {
            return 0;
        }
        Vip vip = vips[v];
        int b = vip.indexOfBackend(backendId);
        return b < 0 ? 0 : vip.backendStatsRows[b];
    }

    // ---------------------------------------------------------------- data path

    /** The VIP of a TCP or UDP packet: (address, protocol, port), else (address, protocol, 0); or {@link #NO_VIP}. */
    public int findVip(boolean ipv6, long hi, long lo, int protocol, int port) {
        int v = index.find(hi, lo, VipIndex.selector(VipIndex.KIND_PORT, ipv6, protocol, port));
        return v != VipIndex.NOT_FOUND || port == 0
                ? v : index.find(hi, lo, VipIndex.selector(VipIndex.KIND_PORT, ipv6, protocol, 0));
    }

    /**
     * The VIP that takes fragments to (address, protocol), which carry no ports (or only in their
     * first piece): the all-ports VIP when there is one, else the one of the lowest port.
     */
    public int findFragmentVip(boolean ipv6, long hi, long lo, int protocol) {
        return index.find(hi, lo, VipIndex.selector(VipIndex.KIND_FRAGMENT, ipv6, protocol, 0));
    }

    /** Some VIP with this address (the first in the configuration), or {@link #NO_VIP}: answers ICMP echo. */
    public int findVipAddress(boolean ipv6, long hi, long lo) {
        return index.find(hi, lo, VipIndex.selector(VipIndex.KIND_ADDRESS, ipv6, 0, 0));
    }

    public Vip vip(int index) {
        return vips[index];
    }

    public long ownMac() {
        return ownMac;
    }

    public int mtu() {
        return mtu;
    }

    public boolean hasOuterSource4() {
        return hasSource4;
    }

    public boolean hasOuterSource6() {
        return hasSource6;
    }

    /** The IPv4 outer source of a flow: the configured prefix, host bits from the flow hash. */
    public int outerSource4(long flowHash) {
        return source4Network | ((int) FlowHash.outerSourceBits(flowHash) & source4HostMask);
    }

    public long outerSource6Hi(long flowHash) {
        return source6NetworkHi | (FlowHash.outerSourceBits(flowHash) & source6HostMaskHi);
    }

    public long outerSource6Lo(long flowHash) {
        return source6NetworkLo | (FlowHash.outerSourceBitsLow(flowHash) & source6HostMaskLo);
    }

    // ---------------------------------------------------------------- control plane

    public LbConfig config() {
        return config;
    }

    public int vipCount() {
        return vips.length;
    }

    public List<Vip> vips() {
        return List.of(vips);
    }

    /** The VIP of this name, or null. */
    public Vip vip(String name) {
        for (Vip v : vips) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        return null;
    }

    /** Backends that take no new flows because a MAC is unknown. */
    public List<UnresolvedBackend> unresolved() {
        return unresolved;
    }
}
