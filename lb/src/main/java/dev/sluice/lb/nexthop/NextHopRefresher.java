package dev.sluice.lb.nexthop;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.sys.Neighbour;
import dev.sluice.sys.Route;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the MACs of a set of targets fresh on a daemon thread, off the fast path: DSR backends
 * (neighbours: their own MAC) and encapsulation destinations (routed: the MAC of the next hop of
 * the kernel's route to them). Every interval it reads the interface's neighbour table once (a
 * dump), looks up each routed target's route, asks the kernel to resolve what is missing and to
 * confirm what went STALE ({@link NextHops#macOf}), and when any target's MAC changed (learnt, lost,
 * or replaced) it calls {@code onChange}, on its own thread, so the control plane rebuilds and
 * republishes its tables with {@link #mac}.
 *
 * <p>While a target is unresolved the next pass comes sooner (from 10 ms, doubling up to the
 * interval), so a fresh backend is usable within milliseconds of its answer. A target that cannot
 * be resolved is logged once (when the kernel gives up on it, when there is no route, or after
 * {@link #UNRESOLVED_GRACE}), and once more when it resolves later. A failed request keeps the last
 * known MAC and is logged once per target.
 *
 * <p>Closing stops the thread: no {@code onChange} starts afterwards. It waits for the pass in
 * flight, at most {@link #CLOSE_WAIT}, in case that pass's {@code onChange} waits for a lock the
 * closing thread holds (the daemon thread then ends on its own once released). The
 * {@link NextHops} stays open; its owner closes it, which waits for any request in flight.
 */
public final class NextHopRefresher implements AutoCloseable {
    /** How long a target may stay unresolved before it is logged without the kernel having given up. */
    public static final Duration UNRESOLVED_GRACE = Duration.ofSeconds(5);
    /** How long {@link #close} waits for the thread to end. */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final NextHops hops;
    private final long intervalNanos;
    private final Runnable onChange;
    private final Consumer<String> log;
    private final Thread thread;
    private final Object wakeUp = new Object();
    /** Serializes passes (the thread's and those of {@link #watch}); guards {@link #states}. */
    private final Object passLock = new Object();
    private final Map<Target, TargetState> states = new HashMap<>();
    private volatile Set<InetAddress> neighbours = Set.of();
    private volatile Set<InetAddress> routed = Set.of();
    private volatile Map<InetAddress, Long> neighbourMacs = Map.of();
    private volatile Map<InetAddress, Long> nextHopMacs = Map.of();
    private boolean watchChanged;
    private volatile boolean closed;

    private record Target(InetAddress address, boolean routed) {
        String describe(String interfaceName) {
            return (routed ? "next hop toward " : "neighbour ") + address.getHostAddress() + " on " + interfaceName;
        }
    }

    /** Keys of the failures that belong to no target: reading the table, the control plane's callback. */
    private static final Target TABLE = new Target(null, false);
    private static final Target ON_CHANGE = new Target(null, true);

    private static final class TargetState {
        long unresolvedSinceNanos = -1;
        boolean reportedUnresolved;
        String reportedFailure;
    }

    /** Logs to standard error. */
    public NextHopRefresher(NextHops hops, Duration interval, Runnable onChange) {
        this(hops, interval, onChange, System.err::println);
    }

    /**
     * Starts the thread; nothing is watched until {@link #watch}.
     *
     * @param log receives each message as one line
     */
    public NextHopRefresher(NextHops hops, Duration interval, Runnable onChange, Consumer<String> log) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("next-hop refresh interval must be positive, not " + interval);
        }
        this.hops = Objects.requireNonNull(hops, "hops");
        this.intervalNanos = interval.toNanos();
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.log = Objects.requireNonNull(log, "log");
        this.thread = new Thread(this::run, "sluice-nexthop-" + hops.interfaceName());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watches exactly these targets from now on (replacing the previous sets) and resolves them once
     * on the calling thread before returning, so {@link #mac} answers for them at once (-1 for those
     * the kernel is still resolving; {@code onChange} follows when they resolve). {@code onChange} is
     * not called for this first pass: the caller builds its tables after this returns.
     */
    public void watch(Collection<InetAddress> neighbours, Collection<InetAddress> routed) {
        this.neighbours = Set.copyOf(new LinkedHashSet<>(neighbours));
        this.routed = Set.copyOf(new LinkedHashSet<>(routed));
        pass(false);
        synchronized (wakeUp) {
            watchChanged = true;
            wakeUp.notifyAll();
        }
    }

    /**
     * Watches what {@code config} takes from the kernel: DSR backends without a configured MAC (as
     * neighbours) and, unless {@code encapsulation.next-hop-mac} is set, the backends of encapsulating
     * VIPs (as routed). Then as {@link #watch(Collection, Collection)}.
     */
    public void watch(LbConfig config) {
        List<InetAddress> dsr = new ArrayList<>();
        List<InetAddress> encapsulated = new ArrayList<>();
        boolean followRoutes = config.encapsulation().nextHopMac() == BackendConfig.MAC_FROM_KERNEL;
        for (VipConfig vip : config.vips()) {
            for (BackendConfig backend : vip.backends()) {
                if (vip.forwarding() == Forwarding.DSR) {
                    if (!backend.hasMac()) {
                        dsr.add(backend.address());
                    }
                } else if (followRoutes) {
                    encapsulated.add(backend.address());
                }
            }
        }
        watch(dsr, encapsulated);
    }

    /**
     * The last known MAC to send {@code target}'s packets to in {@code mode} (the data plane's table
     * builder's MAC source): a DSR backend's own, an encapsulated backend's next hop's; -1 if none.
     */
    public long mac(InetAddress target, Forwarding mode) {
        return mode == Forwarding.DSR ? neighbourMac(target) : nextHopMac(target);
    }

    /** The last known MAC of a target: its own when watched as a neighbour, else its next hop's; -1 if none. */
    public long mac(InetAddress target) {
        Long mac = neighbourMacs.get(target);
        if (mac == null) {
            mac = nextHopMacs.get(target);
        }
        return mac == null ? NextHops.UNKNOWN : mac;
    }

    /** The last known MAC of a target watched as a neighbour (DSR backend), -1 if none. */
    public long neighbourMac(InetAddress target) {
        return neighbourMacs.getOrDefault(target, NextHops.UNKNOWN);
    }

    /** The last known MAC of the next hop toward a target watched as routed (encapsulation), -1 if none. */
    public long nextHopMac(InetAddress target) {
        return nextHopMacs.getOrDefault(target, NextHops.UNKNOWN);
    }

    private void run() {
        long retryNanos = 0;
        long delayNanos = intervalNanos;
        while (!closed) {
            synchronized (wakeUp) {
                long deadline = System.nanoTime() + delayNanos;
                long left;
                while (!closed && !watchChanged && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(wakeUp, left);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (watchChanged) {
                    watchChanged = false;
                    retryNanos = 0;
                }
            }
            if (closed) {
                return;
            }
            boolean pending = pass(true);
            if (pending) {
                retryNanos = retryNanos == 0 ? FIRST_RETRY_NANOS : Math.min(retryNanos * 2, intervalNanos);
                delayNanos = retryNanos;
            } else {
                retryNanos = 0;
                delayNanos = intervalNanos;
            }
        }
    }

    /** One refresh of every watched target; returns whether any is still unresolved. */
    private boolean pass(boolean notify) {
        synchronized (passLock) {
            if (closed) {
                return false;
            }
            Map<InetAddress, Neighbour> table;
            try {
                table = hops.neighbours();
            } catch (RuntimeException e) {
                failedOnce(TABLE, "reading the neighbour table of " + hops.interfaceName(), e);
                return true;
            }
            states.computeIfAbsent(TABLE, t -> new TargetState()).reportedFailure = null;
            long now = System.nanoTime();
            Map<InetAddress, Long> newNeighbourMacs = new HashMap<>();
            Map<InetAddress, Long> newNextHopMacs = new HashMap<>();
            boolean pending = false;
            for (InetAddress address : neighbours) {
                Target target = new Target(address, false);
                long mac = refreshNeighbour(target, table, now, neighbourMacs.getOrDefault(address, NextHops.UNKNOWN));
                newNeighbourMacs.put(address, mac);
                pending |= mac == NextHops.UNKNOWN;
            }
            for (InetAddress address : routed) {
                Target target = new Target(address, true);
                long mac = refreshRouted(target, table, now, nextHopMacs.getOrDefault(address, NextHops.UNKNOWN));
                newNextHopMacs.put(address, mac);
                pending |= mac == NextHops.UNKNOWN;
            }
            states.keySet().removeIf(t -> t != TABLE && t != ON_CHANGE && !(t.routed() ? routed : neighbours).contains(t.address()));
            boolean changed = !newNeighbourMacs.equals(neighbourMacs) || !newNextHopMacs.equals(nextHopMacs);
            neighbourMacs = Map.copyOf(newNeighbourMacs);
            nextHopMacs = Map.copyOf(newNextHopMacs);
            if (changed && notify && !closed) {
                try {
                    onChange.run();
                } catch (RuntimeException e) {
                    failedOnce(ON_CHANGE, "applying changed next-hop MACs", e);
                }
            }
            return pending;
        }
    }

    private long refreshNeighbour(Target target, Map<InetAddress, Neighbour> table, long now, long previous) {
        Neighbour entry = table.get(target.address());
        long mac;
        try {
            mac = hops.macOf(entry, target.address());
        } catch (RuntimeException e) {
            failedOnce(target, "resolving the " + target.describe(hops.interfaceName()), e);
            return previous;
        }
        return settle(target, mac, previous, now, mac == NextHops.UNKNOWN ? why(entry) : null, isFailed(entry));
    }

    private long refreshRouted(Target target, Map<InetAddress, Neighbour> table, long now, long previous) {
        long mac;
        String problem;
        boolean definitive;
        try {
            Route route = hops.route(target.address());
            if (!route.reachable()) {
                return settle(target, NextHops.UNKNOWN, previous, now, route.problem(), true);
            }
            if (route.outputIfindex() != hops.interfaceIndex()) {
                return settle(target, NextHops.UNKNOWN, previous, now, "the kernel's route leaves by interface #" + route.outputIfindex()
                        + ", not " + hops.interfaceName() + " where the balancer sends", true);
            }
            InetAddress hop = route.nextHop();
            Neighbour entry = table.get(hop);
            mac = hops.macOf(entry, hop);
            problem = mac != NextHops.UNKNOWN ? null
                    : (route.gateway() != null ? "gateway " + hop.getHostAddress() + " " : "") + why(entry);
            definitive = isFailed(entry);
        } catch (RuntimeException e) {
            failedOnce(target, "resolving the " + target.describe(hops.interfaceName()), e);
            return previous;
        }
        return settle(target, mac, previous, now, problem, definitive);
    }

    /** Records a pass's result for a target and logs the transitions worth a line. */
    private long settle(Target target, long mac, long previous, long now, String problem, boolean definitive) {
        TargetState state = states.computeIfAbsent(target, t -> new TargetState());
        state.reportedFailure = null;
        String what = target.describe(hops.interfaceName());
        if (mac == NextHops.UNKNOWN) {
            if (state.unresolvedSinceNanos < 0) {
                state.unresolvedSinceNanos = now;
            }
            if (!state.reportedUnresolved && (definitive || now - state.unresolvedSinceNanos >= UNRESOLVED_GRACE.toNanos())) {
                state.reportedUnresolved = true;
                log.accept("next hop: no MAC for the " + what + ": " + problem
                        + (target.routed() ? "; traffic encapsulated toward it is dropped" : "; it takes no new flows") + " until it resolves");
            }
            return mac;
        }
        if (state.reportedUnresolved) {
            log.accept("next hop: the " + what + " resolved to " + NextHops.format(mac));
        } else if (previous != NextHops.UNKNOWN && previous != mac) {
            log.accept("next hop: the " + what + " changed from " + NextHops.format(previous) + " to " + NextHops.format(mac));
        }
        state.reportedUnresolved = false;
        state.unresolvedSinceNanos = -1;
        return mac;
    }

    private void failedOnce(Target target, String doing, RuntimeException e) {
        if (closed) {
            return; // a request cut short by the owner closing NextHops is no news
        }
        TargetState state = states.computeIfAbsent(target, t -> new TargetState());
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (!message.equals(state.reportedFailure)) {
            state.reportedFailure = message;
            log.accept("next hop: " + doing + " failed (keeping the last known MAC): " + message);
        }
    }

    private static boolean isFailed(Neighbour entry) {
        return entry != null && (entry.state() & Neighbour.NUD_FAILED) != 0;
    }

    private static String why(Neighbour entry) {
        if (entry == null) {
            return "not in the kernel's neighbour table (asked the kernel to resolve it)";
        }
        if ((entry.state() & Neighbour.NUD_FAILED) != 0) {
            return "no answer to ARP / neighbour solicitation (kernel entry FAILED; asking again)";
        }
        if ((entry.state() & Neighbour.NUD_INCOMPLETE) != 0) {
            return "no answer to ARP / neighbour solicitation yet (kernel entry INCOMPLETE)";
        }
        return "the kernel's entry (" + entry.stateName() + ") has no link-layer address";
    }

    @Override
    public void close() {
        closed = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
