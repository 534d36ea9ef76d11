package dev.sluice.lb.control;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.health.HealthChecker;
import dev.sluice.lb.health.HealthState;
import dev.sluice.lb.health.HealthTarget;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The health of the configured backends as the control plane sees it: each backend of a VIP with a
 * {@code health:} block is one {@link HealthTarget} of the {@link HealthChecker} (a backend in two
 * VIPs with the same check is checked once); a backend of a VIP without one is always up. Counts the
 * state changes of each (VIP, backend).
 *
 * <p>Not thread-safe: the control thread owns it (the checker itself is thread-safe).
 */
final class BackendHealth {
    private record Key(String vip, InetAddress backend) {
    }

    private final HealthChecker checker;
    private final Map<Key, Long> changes = new HashMap<>();

    BackendHealth(HealthChecker checker) {
        this.checker = checker;
    }

    /** The target of a backend of a VIP, or null when the VIP has no health check. */
    static HealthTarget target(VipConfig vip, BackendConfig backend) {
        return vip.health() == null ? null : new HealthTarget(backend.address(), vip.health());
    }

    /** Every target of a configuration. */
    static Set<HealthTarget> targets(LbConfig config) {
        Set<HealthTarget> targets = new LinkedHashSet<>();
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                HealthTarget t = target(vip, b);
                if (t != null) {
                    targets.add(t);
                }
            }
        }
        return targets;
    }

    /** Checks exactly the targets of {@code config} from now on (kept ones keep their state); forgets removed backends' counts. */
    void watch(LbConfig config) {
        checker.watch(targets(config));
        Set<Key> configured = new LinkedHashSet<>();
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                configured.add(new Key(vip.name(), b.address()));
            }
        }
        changes.keySet().retainAll(configured);
    }

    /** Counts a change of {@code target} for every backend of {@code config} it checks. */
    void changed(LbConfig config, HealthTarget target) {
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (target.equals(target(vip, b))) {
                    changes.merge(new Key(vip.name(), b.address()), 1L, Long::sum);
                }
            }
        }
    }

    /** False only when the VIP's check says the backend is down. */
    boolean up(VipConfig vip, BackendConfig backend) {
        HealthTarget t = target(vip, backend);
        return t == null || checker.state(t) == HealthState.UP;
    }

    /** {@link BackendStatus#UP}, {@link BackendStatus#DOWN}, or {@link BackendStatus#UNCHECKED} (no check, or no result yet). */
    String status(VipConfig vip, BackendConfig backend) {
        HealthTarget t = target(vip, backend);
        if (t == null || !checker.checked(t)) {
            return BackendStatus.UNCHECKED;
        }
        return checker.state(t) == HealthState.UP ? BackendStatus.UP : BackendStatus.DOWN;
    }

    /** Why its last failed check failed, or null. */
    String lastFailure(VipConfig vip, BackendConfig backend) {
        HealthTarget t = target(vip, backend);
        return t == null ? null : checker.lastFailure(t).orElse(null);
    }

    /** State changes of a backend of a VIP since it was first configured there. */
    long changes(String vip, InetAddress backend) {
        return changes.getOrDefault(new Key(vip, backend), 0L);
    }
}
