package dev.sluice.lb.control;

import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConnectionsConfig;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Literals;
import dev.sluice.lb.config.VipConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a reload from the running configuration to the next one would change, and whether a running
 * balancer can apply it without a restart. Pure: {@link LoadBalancer#reload(LbConfig)} asks this
 * first and touches nothing when it is {@link #refused()}.
 *
 * <p>A running balancer cannot change what it sized or opened at start: the interface, the worker
 * count and the connection tables' capacity; nor steer more VIPs than its steering map holds (added
 * VIPs are steered before removed ones are unsteered, so both sets must fit at once). Everything else
 * applies: VIPs and backends added, removed or changed, weights, health checks, encapsulation,
 * connection idle timeouts.
 *
 * <p>VIPs are matched by name, backends by address within their VIP.
 */
public final class ReloadPlan {
    private final LbConfig running;
    private final LbConfig next;
    private final List<String> refusals;
    private final List<String> changes;
    private final Set<SteeringRule> steer;
    private final Set<SteeringRule> unsteer;

    private ReloadPlan(LbConfig running, LbConfig next, List<String> refusals, List<String> changes,
                       Set<SteeringRule> steer, Set<SteeringRule> unsteer) {
        this.running = running;
        this.next = next;
        this.refusals = List.copyOf(refusals);
        this.changes = List.copyOf(changes);
        this.steer = Set.copyOf(steer);
        this.unsteer = Set.copyOf(unsteer);
    }

    /**
     * Compares two configurations.
     *
     * @param steeringCapacity the most steering rules the running balancer's map holds
     */
    public static ReloadPlan of(LbConfig running, LbConfig next, int steeringCapacity) {
        return of(running, next, steeringCapacity, UNKNOWN);
    }

    /** What {@code workers: 0} means is not known: worker counts are compared as written. */
    public static final int UNKNOWN = -1;

    /**
     * Compares two configurations, {@code workers: 0} standing for {@code autoWorkers} (one per queue
     * of the running interface), so that a file that spells out the worker count the balancer runs
     * anyway is not refused.
     *
     * @param steeringCapacity the most steering rules the running balancer's map holds
     * @param autoWorkers      the workers {@code workers: 0} gives on the running interface, or {@link #UNKNOWN}
     */
    public static ReloadPlan of(LbConfig running, LbConfig next, int steeringCapacity, int autoWorkers) {
        Objects.requireNonNull(running, "running");
        Objects.requireNonNull(next, "next");
        List<String> refusals = new ArrayList<>();
        String restart = " (a restart changes it)";
        if (!running.interfaceName().equals(next.interfaceName())) {
            refusals.add("interface: " + next.interfaceName() + " differs from the running " + running.interfaceName() + restart);
        }
        if (effective(running.workers(), autoWorkers) != effective(next.workers(), autoWorkers)) {
            refusals.add("workers: " + workers(next.workers(), autoWorkers) + " differs from the running "
                    + workers(running.workers(), autoWorkers) + restart);
        }
        if (running.connections().capacity() != next.connections().capacity()) {
            refusals.add("connections.capacity: " + next.connections().capacity() + " differs from the running "
                    + running.connections().capacity() + restart);
        }
        Set<SteeringRule> before = rules(running);
        Set<SteeringRule> after = rules(next);
        Set<SteeringRule> steer = new LinkedHashSet<>(after);
        steer.removeAll(before);
        Set<SteeringRule> unsteer = new LinkedHashSet<>(before);
        unsteer.removeAll(after);
        int during = before.size() + steer.size();
        if (during > steeringCapacity) {
            refusals.add(next.vips().size() + " VIPs need " + during + " steering rules while the "
                    + before.size() + " running ones stay steered, more than the " + steeringCapacity
                    + " this balancer holds (a restart sizes it for the new configuration)");
        }
        return new ReloadPlan(running, next, refusals, changes(running, next), steer, unsteer);
    }

    private static int effective(int workers, int autoWorkers) {
        return workers == 0 && autoWorkers != UNKNOWN ? autoWorkers : workers;
    }

    private static String workers(int w, int autoWorkers) {
        return w != 0 ? Integer.toString(w) : autoWorkers == UNKNOWN ? "0 (one per queue)" : "0 (one per queue: " + autoWorkers + ")";
    }

    /** The steering rule of each VIP: (address, protocol, port or every port). */
    static Set<SteeringRule> rules(LbConfig config) {
        Set<SteeringRule> rules = new LinkedHashSet<>();
        for (VipConfig vip : config.vips()) {
            rules.add(rule(vip));
        }
        return rules;
    }

    static SteeringRule rule(VipConfig vip) {
        return SteeringRule.vip(vip.address(), vip.protocol().number(), vip.port());
    }

    private static List<String> changes(LbConfig running, LbConfig next) {
        List<String> out = new ArrayList<>();
        Map<String, VipConfig> before = byName(running);
        Map<String, VipConfig> after = byName(next);
        for (VipConfig v : next.vips()) {
            if (!before.containsKey(v.name())) {
                out.add("+vip " + v.name());
            }
        }
        for (VipConfig v : running.vips()) {
            if (!after.containsKey(v.name())) {
                out.add("-vip " + v.name());
            }
        }
        for (VipConfig v : next.vips()) {
            VipConfig old = before.get(v.name());
            if (old != null) {
                vipChanges(old, v, out);
            }
        }
        ConnectionsConfig c0 = running.connections();
        ConnectionsConfig c1 = next.connections();
        if (!c0.tcpIdle().equals(c1.tcpIdle())) {
            out.add("connections.tcp-idle " + Literals.formatDuration(c0.tcpIdle()) + " -> " + Literals.formatDuration(c1.tcpIdle()));
        }
        if (!c0.udpIdle().equals(c1.udpIdle())) {
            out.add("connections.udp-idle " + Literals.formatDuration(c0.udpIdle()) + " -> " + Literals.formatDuration(c1.udpIdle()));
        }
        if (!Objects.equals(running.encapsulation(), next.encapsulation())) {
            out.add("encapsulation changed");
        }
        return out;
    }

    private static void vipChanges(VipConfig old, VipConfig v, List<String> out) {
        List<String> fields = new ArrayList<>();
        if (!old.address().equals(v.address())) {
            fields.add("address " + Literals.text(old.address()) + " -> " + Literals.text(v.address()));
        }
        if (old.protocol() != v.protocol()) {
            fields.add("protocol " + lower(old.protocol()) + " -> " + lower(v.protocol()));
        }
        if (old.port() != v.port()) {
            fields.add("port " + old.port() + " -> " + v.port());
        }
        if (old.forwarding() != v.forwarding()) {
            fields.add("forwarding " + lower(old.forwarding()) + " -> " + lower(v.forwarding()));
        }
        if (old.hash() != v.hash()) {
            fields.add("hash " + lower(old.hash()).replace('_', '-') + " -> " + lower(v.hash()).replace('_', '-'));
        }
        if (old.tableSize() != v.tableSize()) {
            fields.add("table-size " + old.tableSize() + " -> " + v.tableSize());
        }
        if (old.guePort() != v.guePort()) {
            fields.add("gue-port " + old.guePort() + " -> " + v.guePort());
        }
        if (!Objects.equals(old.health(), v.health())) {
            fields.add(old.health() == null ? "health check added" : v.health() == null ? "health check removed" : "health check changed");
        }
        if (!fields.isEmpty()) {
            out.add("vip " + v.name() + ": " + String.join(", ", fields));
        }
        Map<InetAddress, BackendConfig> b0 = backends(old);
        Map<InetAddress, BackendConfig> b1 = backends(v);
        for (BackendConfig b : v.backends()) {
            BackendConfig was = b0.get(b.address());
            if (was == null) {
                out.add("+backend " + Literals.text(b.address()) + " to " + v.name());
            } else {
                if (was.weight() != b.weight()) {
                    out.add("weight of " + Literals.text(b.address()) + " in " + v.name() + " " + was.weight() + " -> " + b.weight());
                }
                if (was.mac() != b.mac()) {
                    out.add("mac of " + Literals.text(b.address()) + " in " + v.name() + " "
                            + mac(was.mac()) + " -> " + mac(b.mac()));
                }
            }
        }
        for (BackendConfig b : old.backends()) {
            if (!b1.containsKey(b.address())) {
                out.add("-backend " + Literals.text(b.address()) + " from " + v.name());
            }
        }
    }

    private static String mac(long mac) {
        return mac == BackendConfig.MAC_FROM_KERNEL ? "from the kernel" : Literals.formatMac(mac);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, VipConfig> byName(LbConfig config) {
        Map<String, VipConfig> m = new LinkedHashMap<>();
        for (VipConfig v : config.vips()) {
            m.put(v.name(), v);
        }
        return m;
    }

    private static Map<InetAddress, BackendConfig> backends(VipConfig vip) {
        Map<InetAddress, BackendConfig> m = new LinkedHashMap<>();
        for (BackendConfig b : vip.backends()) {
            m.put(b.address(), b);
        }
        return m;
    }

    // ---------------------------------------------------------------- answers

    public LbConfig running() {
        return running;
    }

    public LbConfig next() {
        return next;
    }

    /** True when the running balancer cannot apply the next configuration without a restart. */
    public boolean refused() {
        return !refusals.isEmpty();
    }

    /** Why not, one entry per reason (empty when it can apply). */
    public List<String> refusals() {
        return refusals;
    }

    /** What changes, one short entry each ("+vip api", "-backend 10.0.1.13 from web", ...); empty when nothing does. */
    public List<String> changes() {
        return changes;
    }

    /** Rules of VIPs the next configuration adds (or moves): steered before the tables are published. */
    public Set<SteeringRule> steer() {
        return steer;
    }

    /** Rules of VIPs it removes (or moves away): unsteered after the tables are published. */
    public Set<SteeringRule> unsteer() {
        return unsteer;
    }

    /** True when the connection tables' idle timeouts change. */
    public boolean timeoutsChanged() {
        return !running.connections().tcpIdle().equals(next.connections().tcpIdle())
                || !running.connections().udpIdle().equals(next.connections().udpIdle());
    }

    /**
     * The reply's text: "applied lb.yaml: 2 VIPs, 6 backends (+vip api, -backend 10.0.1.13 from web)",
     * "applied lb.yaml: 2 VIPs, 6 backends (no change)", or, refused, "not applied lb.yaml: REASON;
     * REASON (the running configuration stays)".
     *
     * @param what the file, or another name for where the configuration came from
     */
    public String message(String what) {
        if (refused()) {
            return "not applied " + what + ": " + String.join("; ", refusals) + " (the running configuration stays)";
        }
        return "applied " + what + ": " + describe(next) + " (" + (changes.isEmpty() ? "no change" : String.join(", ", changes)) + ")";
    }

    /** "2 VIPs, 6 backends": VIPs and (VIP, backend) pairs. */
    static String describe(LbConfig config) {
        int vips = config.vips().size();
        int backends = 0;
        for (VipConfig v : config.vips()) {
            backends += v.backends().size();
        }
        return vips + (vips == 1 ? " VIP, " : " VIPs, ") + backends + (backends == 1 ? " backend" : " backends");
    }
}
