package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.EncapsulationConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.stats.StatsRows;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link LbTables} from a configuration, on the control plane. One builder lives as long as
 * the balancer: it gives every backend address an id on first sight and keeps it across rebuilds
 * (and every VIP (address, protocol, port) likewise), so that a connection table filled under one
 * version of the tables still names the same backends under the next.
 *
 * <p>Backends are sorted by address bytes (IPv4 before IPv6) before the Maglev table is built, so
 * the same set of backends gives the same table whatever the order of lines in the file, in any
 * instance. A backend whose packets cannot be addressed yet (dsr: its MAC is neither configured nor
 * known by the {@link MacSource}; ipip/gue: the next hop's MAC is neither configured nor known)
 * gets weight 0, so it takes no new flows, and is listed in {@link LbTables#unresolved()}. The
 * control plane's {@link BackendAvailability} leaves a backend that is down out of its VIP and gives
 * a drained one weight 0 (see {@link Availability}).
 *
 * <p>Not thread-safe: one control-plane thread builds.
 */
public final class LbTablesBuilder {
    /** Orders addresses by family (IPv4 first), then by their bytes, unsigned. */
    public static final Comparator<InetAddress> ADDRESS_ORDER = (a, b) -> {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return Arrays.compareUnsigned(x, y);
    };

    private final Map<InetAddress, Integer> backendIds = new HashMap<>();
    private final Map<String, Integer> vipIds = new HashMap<>();
    private Set<UnresolvedBackend> lastUnresolved = Set.of();
    private List<UnresolvedBackend> newlyUnresolved = List.of();

    public LbTablesBuilder() {
    }

    /**
     * Builds tables with no interface addresses known: an encapsulating VIP then needs the outer
     * source prefix of its backends' family in the configuration.
     */
    public LbTables build(LbConfig config, long ownMac, int mtu, MacSource macs) {
        return build(config, ownMac, mtu, macs, List.of());
    }

    /**
     * Builds tables.
     *
     * @param ownMac             the interface's MAC (source of every frame sent)
     * @param mtu                the interface's MTU: the largest IP packet it sends
     * @param macs               MACs the configuration does not give
     * @param interfaceAddresses the interface's own addresses: the outer source (a /32 or /128) of
     *                           a family for which the configuration sets no prefix
     * @throws IllegalArgumentException when the configuration cannot be served (a dsr backend of
     *                                  another family than its VIP; an encapsulating VIP with no outer
     *                                  source for a backend's family)
     */
    public LbTables build(LbConfig config, long ownMac, int mtu, MacSource macs, List<InetAddress> interfaceAddresses) {
        return build(config, ownMac, mtu, macs, interfaceAddresses, BackendAvailability.ALL_ACTIVE, StatsRows.NONE);
    }

    /**
     * Builds tables whose VIPs and backends count in the statistics rows {@code rows} gives.
     *
     * @see #build(LbConfig, long, int, MacSource, List)
     */
    public LbTables build(LbConfig config, long ownMac, int mtu, MacSource macs, List<InetAddress> interfaceAddresses,
                          StatsRows rows) {
        return build(config, ownMac, mtu, macs, interfaceAddresses, BackendAvailability.ALL_ACTIVE, rows);
    }

    /** {@link #build(LbConfig, long, int, MacSource, List, BackendAvailability, StatsRows)} without statistics rows. */
    public LbTables build(LbConfig config, long ownMac, int mtu, MacSource macs, List<InetAddress> interfaceAddresses,
                          BackendAvailability availability) {
        return build(config, ownMac, mtu, macs, interfaceAddresses, availability, StatsRows.NONE);
    }

    /**
     * Builds tables with each backend as {@code availability} says, counting in the statistics rows
     * {@code rows} gives: {@link Availability#DOWN} backends are left out of their VIP (Maglev is
     * built without them, their flows move), {@link Availability#DRAINED} ones stay with effective
     * weight 0 (their established flows stay, they take no new ones). A backend's effective weight
     * is therefore its configured weight when it is active and its packets can be addressed, else 0;
     * a VIP whose backends are all down or at weight 0 drops new flows (counted as having no
     * backend).
     *
     * @param availability asked once per (VIP, backend) of the configuration
     * @param rows         the statistics row of each VIP and (VIP, backend)
     * @see #build(LbConfig, long, int, MacSource, List)
     */
    public LbTables build(LbConfig config, long ownMac, int mtu, MacSource macs, List<InetAddress> interfaceAddresses,
                          BackendAvailability availability, StatsRows rows) {
        if (mtu < 68) {
            throw new IllegalArgumentException("egress MTU " + mtu + " is below the IPv4 minimum of 68");
        }
        EncapsulationConfig encap = config.encapsulation() == null ? EncapsulationConfig.defaults() : config.encapsulation();
        InetAddress source4 = encap.sourcePrefix4();
        int source4Length = encap.sourcePrefix4Length();
        InetAddress source6 = encap.sourcePrefix6();
        int source6Length = encap.sourcePrefix6Length();
        for (InetAddress a : interfaceAddresses) {
            if (source4 == null && a instanceof Inet4Address) {
                source4 = a;
                source4Length = 32;
            } else if (source6 == null && a instanceof Inet6Address && !a.isLinkLocalAddress()) {
                source6 = a;
                source6Length = 128;
            }
        }
        List<VipConfig> configs = config.vips();
        Vip[] vips = new Vip[configs.size()];
        List<UnresolvedBackend> unresolved = new ArrayList<>();
        for (int v = 0; v < vips.length; v++) {
            VipConfig vc = configs.get(v);
            boolean encapsulates = vc.forwarding() != Forwarding.DSR;
            List<BackendConfig> sorted = new ArrayList<>(vc.backends().size());
            Set<InetAddress> drained = new HashSet<>(); // addresses are unique within a VIP
            for (BackendConfig b : vc.backends()) {
                // every configured backend must be servable, whatever its state now: it may be up later
                InetAddress a = b.address();
                boolean v6 = a instanceof Inet6Address;
                if (!encapsulates && v6 != (vc.address() instanceof Inet6Address)) {
                    throw new IllegalArgumentException("vip " + vc.name() + ": dsr backend " + a.getHostAddress()
                            + " is not of the VIP's address family (dsr keeps the packet as it is)");
                }
                if (encapsulates && (v6 ? source6 == null : source4 == null)) {
                    throw new IllegalArgumentException("vip " + vc.name() + ": backend " + a.getHostAddress()
                            + " needs an IPv" + (v6 ? 6 : 4) + " outer source: set encapsulation.source-prefix-v"
                            + (v6 ? 6 : 4) + " or give the interface an IPv" + (v6 ? 6 : 4) + " address");
                }
                Availability state = availability.of(vc, b);
                if (state == Availability.DRAINED) {
                    drained.add(b.address());
                }
                if (state != Availability.DOWN) {
                    sorted.add(b);
                }
            }
            sorted.sort(Comparator.comparing(BackendConfig::address, ADDRESS_ORDER));
            int n = sorted.size();
            InetAddress[] addresses = new InetAddress[n];
            int[] ids = new int[n];
            long[] macsOf = new long[n];
            int[] weights = new int[n];
            int[] statsRows = new int[n];
            for (int i = 0; i < n; i++) {
                BackendConfig b = sorted.get(i);
                InetAddress a = b.address();
                addresses[i] = a;
                statsRows[i] = rows.backendRow(vc.name(), a);
                ids[i] = backendIds.computeIfAbsent(a, k -> backendIds.size());
                long mac;
                if (!encapsulates) {
                    mac = b.hasMac() ? b.mac() : macs.mac(a, Forwarding.DSR);
                } else {
                    mac = encap.nextHopMac() != BackendConfig.MAC_FROM_KERNEL ? encap.nextHopMac() : macs.mac(a, vc.forwarding());
                }
                macsOf[i] = mac < 0 ? MacSource.UNKNOWN : mac;
                weights[i] = mac < 0 || drained.contains(a) ? 0 : b.weight();
                if (mac < 0) {
                    unresolved.add(new UnresolvedBackend(vc.name(), a, vc.forwarding()));
                }
            }
            String key = vipKey(vc);
            int id = vipIds.computeIfAbsent(key, k -> vipIds.size());
            vips[v] = new Vip(id, vc, addresses, ids, macsOf, weights, rows.vipRow(vc.name()), statsRows);
        }
        VipIndex.Builder index = new VipIndex.Builder();
        for (int v = 0; v < vips.length; v++) {
            Vip vip = vips[v];
            index.putIfAbsent(vip.addressHi, vip.addressLo,
                    VipIndex.selector(VipIndex.KIND_PORT, vip.ipv6, vip.protocol, vip.port), v);
            index.putIfAbsent(vip.addressHi, vip.addressLo, VipIndex.selector(VipIndex.KIND_ADDRESS, vip.ipv6, 0, 0), v);
        }
        // Fragments of an (address, protocol): the all-ports VIP, else the VIP of the lowest port.
        Integer[] byPort = new Integer[vips.length];
        for (int v = 0; v < vips.length; v++) {
            byPort[v] = v;
        }
        Arrays.sort(byPort, Comparator.comparingInt(v -> vips[v].port));
        for (int v : byPort) {
            Vip vip = vips[v];
            index.putIfAbsent(vip.addressHi, vip.addressLo,
                    VipIndex.selector(VipIndex.KIND_FRAGMENT, vip.ipv6, vip.protocol, 0), v);
        }
        Set<UnresolvedBackend> now = new LinkedHashSet<>(unresolved);
        List<UnresolvedBackend> fresh = new ArrayList<>();
        for (UnresolvedBackend u : now) {
            if (!lastUnresolved.contains(u)) {
                fresh.add(u);
            }
        }
        lastUnresolved = now;
        newlyUnresolved = List.copyOf(fresh);
        return new LbTables(config, vips, index.build(), ownMac, mtu,
                source4 != null, source4 == null ? 0 : (int) Vip.lo(source4), source4Length,
                source6 != null, source6 == null ? 0 : Vip.hi(source6), source6 == null ? 0 : Vip.lo(source6), source6Length,
                unresolved);
    }

    /**
     * Backends unresolved in the last build that were not in the build before: what to log, once
     * per backend and episode (a backend that resolves and later fails again is listed again).
     */
    public List<UnresolvedBackend> newlyUnresolved() {
        return newlyUnresolved;
    }

    /** The stable id of a backend address, or -1 when no build has seen it. */
    public int backendId(InetAddress address) {
        Integer id = backendIds.get(address);
        return id == null ? -1 : id;
    }

    private static String vipKey(VipConfig vc) {
        return vc.address().getHostAddress() + "/" + vc.protocol() + "/" + vc.port();
    }
}
