package dev.sluice.lb.control;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConfigException;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.lb.config.Literals;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.Availability;
import dev.sluice.lb.dataplane.BackendAvailability;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import dev.sluice.lb.dataplane.UnresolvedBackend;
import dev.sluice.lb.dataplane.Vip;
import dev.sluice.lb.health.HealthChecker;
import dev.sluice.lb.health.HealthState;
import dev.sluice.lb.health.HealthTarget;
import dev.sluice.lb.stats.BackendCounts;
import dev.sluice.lb.stats.BackendView;
import dev.sluice.lb.stats.LbMetrics;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.lb.stats.StatsFullException;
import dev.sluice.lb.stats.VipCounts;
import dev.sluice.pipeline.runtime.Published;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The balancer's control plane without the interface: what runs (configuration, drains, health),
 * the tables built from it and published to the workers, the per-VIP and per-backend statistics, and
 * the one thread that changes any of it. {@link LoadBalancer} gives it the interface through an
 * {@link Environment}; tests give it their own.
 *
 * <h2>The control thread</h2>
 * Every change runs on one daemon thread, one at a time, so none needs a lock and each sees the
 * previous one complete: a reload, a drain, a health check's change (the checks' threads only queue
 * it), a MAC the refresher learnt (likewise). Callers of {@link #reload}, {@link #drain},
 * {@link #undrain} and {@link #status} wait for the thread's answer. Every
 * {@link LoadBalancer#METRICS_INTERVAL} the thread also sums the workers' statistics into the counters
 * ({@link LbMetrics#update}), and runs {@code everySecond} about once a second.
 *
 * <h2>A reload, in order</h2>
 * <ol>
 *   <li>{@link ReloadPlan}: refused (nothing touched) when the interface, the workers or the
 *       connection tables' capacity change, or the steering map cannot hold old and new VIPs;</li>
 *   <li>statistics rows and counter groups for the new VIPs and backends ({@link LbMetrics#apply});
 *       refused when they run out;</li>
 *   <li>MACs of new backends asked for, tables built; refused (statistics put back) when they cannot
 *       be built;</li>
 *   <li>added VIPs steered, then the tables published (the workers switch at their next burst), then
 *       removed VIPs unsteered: no moment where a VIP's packets reach workers that do not know it;</li>
 *   <li>idle timeouts, drains of backends no longer configured forgotten, health checks and MAC
 *       resolution set to the new configuration, which is the running one from then on.</li>
 * </ol>
 */
final class ControlPlane implements AutoCloseable {
    /** How long {@link #stop()} waits for the control thread's task in flight. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** What the control plane needs of the interface it balances on. */
    interface Environment {
        /** Adds a VIP's steering rule: its packets reach the workers from then on. */
        void steer(SteeringRule rule);

        /** Removes one: its packets go to the kernel again. */
        void unsteer(SteeringRule rule);

        /** The interface's own addresses (outer sources of encapsulated packets). */
        List<InetAddress> interfaceAddresses();

        /** Resolves (and keeps fresh) the MACs the configuration takes from the kernel; returns once asked. */
        void resolve(LbConfig config);

        /** The MAC known now for a target (a DSR backend's own, or the next hop's), or -1. */
        long mac(InetAddress target, Forwarding mode);
    }

    private final Environment env;
    private final long ownMac;
    private final int mtu;
    private final int steeringCapacity;
    private final List<ConnectionTable> connections;
    private final Consumer<String> log;
    private final Runnable everySecond;
    private final LbTablesBuilder builder = new LbTablesBuilder();
    private final Published<LbTables> tables;
    private final LbMetrics metrics;
    private final HealthChecker checker;
    private final BackendHealth health;
    private final Drains drains = new Drains();
    private final BackendView view = new View();
    private final ScheduledThreadPoolExecutor thread;
    private volatile Thread controlThread;
    /** The running configuration: written on the control thread, read anywhere. */
    private volatile LbConfig config;
    private volatile Instant configLoaded = Instant.now();
    private volatile boolean stopping;
    private volatile Duration resolveWait = Duration.ZERO;
    private volatile int autoWorkers = ReloadPlan.UNKNOWN;
    private long ticks;

    /**
     * Builds the first tables (on the calling thread; nothing else runs yet). Nothing is checked and
     * no thread works until {@link #start()}.
     *
     * @param everySecond run on the control thread about once a second (the kernel's counters)
     * @throws LbSetupException when the configuration's statistics or tables cannot be set up
     */
    ControlPlane(LbConfig config, Environment env, long ownMac, int mtu, int steeringCapacity,
                 List<ConnectionTable> connections, LbStats stats, CounterAllocator counters, Consumer<String> log,
                 Runnable everySecond) {
        this.config = config;
        this.env = env;
        this.ownMac = ownMac;
        this.mtu = mtu;
        this.steeringCapacity = steeringCapacity;
        this.connections = List.copyOf(connections);
        this.log = log;
        this.everySecond = everySecond;
        this.metrics = new LbMetrics(stats, counters);
        this.checker = new HealthChecker((target, state, reason) -> later(() -> healthChanged(target, state)), log);
        this.health = new BackendHealth(checker);
        try {
            metrics.apply(config);
        } catch (StatsFullException e) {
            checker.close();
            metrics.close();
            throw new LbSetupException(e.getMessage(), e);
        }
        try {
            this.tables = new Published<>(build(config));
        } catch (RuntimeException e) {
            checker.close();
            metrics.close();
            throw e;
        }
        this.thread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "sluice-lb-control-" + config.interfaceName());
            t.setDaemon(true);
            controlThread = t;
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
    }

    /** Statistics rows a balancer that starts with {@code config} counts in: room for reloads that grow it. */
    static int statsRows(LbConfig config) {
        int rows = 0;
        for (VipConfig vip : config.vips()) {
            rows += 1 + vip.backends().size();
        }
        return Math.max(4096, 4 * rows) + 1;
    }

    /**
     * How long a reload waits for the MACs of the backends it adds before it builds the tables (a
     * backend whose MAC is still unknown then takes new flows once it is known). Default: no wait.
     */
    void resolveWait(Duration wait) {
        resolveWait = Objects.requireNonNull(wait, "wait");
    }

    /** What {@code workers: 0} gives on this interface (one per queue), for comparing worker counts on reload. */
    void autoWorkers(int workers) {
        autoWorkers = workers;
    }

    /** The tables the workers read. */
    Published<LbTables> tables() {
        return tables;
    }

    /** Starts the health checks and the periodic statistics. */
    void start() {
        onControl(() -> {
            health.watch(config);
            return null;
        });
        long period = LoadBalancer.METRICS_INTERVAL.toNanos();
        thread.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        try {
            metrics.update(view);
            if (ticks++ % (1000 / LoadBalancer.METRICS_INTERVAL_MILLIS) == 0) {
                everySecond.run();
            }
        } catch (RuntimeException e) {
            log.accept("internal error: updating the counters failed: " + e); // the next tick tries again
        }
    }

    // ---------------------------------------------------------------- the control thread

    /** Runs {@code task} on the control thread and waits for it; its exception is rethrown here. */
    private <T> T onControl(Callable<T> task) {
        if (Thread.currentThread() == controlThread) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> f;
        try {
            f = thread.submit(task);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the load balancer on " + config.interfaceName() + " is stopping", e);
        }
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the control thread", e);
        }
    }

    /** Queues {@code task} on the control thread without waiting (from the refresher's and the checks' threads). */
    private void later(Runnable task) {
        if (stopping) {
            return;
        }
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.accept("internal error: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: nothing to update any more
        }
    }

    /** Rebuilds the tables with what is known now (MACs, health, drains) and publishes them, on the control thread. */
    void republishLater() {
        later(this::republish);
    }

    /** As {@link #republishLater()} and waits for it. */
    void republishNow() {
        onControl(() -> {
            republish();
            return null;
        });
    }

    private void healthChanged(HealthTarget target, HealthState state) {
        health.changed(config, target);
        republish();
    }

    private void republish() {
        if (stopping) {
            return;
        }
        LbTables next;
        try {
            next = build(config);
        } catch (LbSetupException e) {
            // the interface lost what the configuration needs (e.g. its address): the tables in use stay
            log.accept(e.getMessage() + " (the tables in use stay)");
            return;
        }
        tables.publishRelease(next);
        reportUnresolved();
    }

    /** Health and drains as the table builder asks for them. */
    private BackendAvailability availability() {
        return (vip, backend) -> !health.up(vip, backend) ? Availability.DOWN
                : drains.contains(backend.address()) ? Availability.DRAINED : Availability.ACTIVE;
    }

    private LbTables build(LbConfig c) {
        try {
            return builder.build(c, ownMac, mtu, (target, mode) -> macFor(c, target, mode), env.interfaceAddresses(),
                    availability(), metrics);
        } catch (IllegalArgumentException e) {
            // what the file asks cannot be served on this interface (e.g. no outer source address)
            throw new LbSetupException(c.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    /** A target's MAC for the tables of {@code c}: the configuration's when it gives one, else the kernel's (or -1). */
    long macFor(LbConfig c, InetAddress target, Forwarding mode) {
        if (mode == Forwarding.DSR) {
            for (VipConfig vip : c.vips()) {
                for (BackendConfig b : vip.backends()) {
                    if (vip.forwarding() == Forwarding.DSR && b.hasMac() && b.address().equals(target)) {
                        return b.mac();
                    }
                }
            }
        } else if (c.encapsulation().nextHopMac() != BackendConfig.MAC_FROM_KERNEL) {
            return c.encapsulation().nextHopMac();
        }
        return env.mac(target, mode);
    }

    private void reportUnresolved() {
        for (UnresolvedBackend u : builder.newlyUnresolved()) {
            log.accept(u.message());
        }
    }

    // ---------------------------------------------------------------- reload

    /** See {@link LoadBalancer#reload(Path)}; {@code interfaceExists} as {@link LbConfigLoader#load(Path, Predicate)}'s. */
    AdminReply reload(Path file, Predicate<String> interfaceExists) {
        LbConfig next;
        try {
            next = LbConfigLoader.load(file, interfaceExists);
        } catch (ConfigException e) {
            AdminReply reply = AdminReply.refused(e.getMessage());
            log.accept("reload refused: " + reply.message());
            return reply;
        }
        return reload(next);
    }

    /** See {@link LoadBalancer#reload(LbConfig)}. */
    AdminReply reload(LbConfig next) {
        Objects.requireNonNull(next, "next");
        AdminReply reply;
        try {
            reply = onControl(() -> apply(next));
        } catch (IllegalStateException e) {
            reply = AdminReply.refused(e.getMessage());
        }
        log.accept((reply.ok() ? "reload: " : "reload refused: ") + reply.message());
        return reply;
    }

    private AdminReply apply(LbConfig next) {
        LbConfig running = config;
        String what = next.source() != null ? next.source().toString() : "the new configuration";
        ReloadPlan plan = ReloadPlan.of(running, next, steeringCapacity, autoWorkers);
        if (plan.refused()) {
            return AdminReply.refused(plan.message(what));
        }
        String stays = " (the running configuration stays)";
        try {
            metrics.apply(next);
        } catch (StatsFullException e) {
            return AdminReply.refused("not applied " + what + ": " + e.getMessage() + stays);
        }
        try {
            env.resolve(union(running, next)); // new backends' MACs, where the kernel has them, before the build
        } catch (RuntimeException e) {
            metrics.apply(running);
            return AdminReply.refused("not applied " + what + ": resolving the new backends' MACs failed: " + e.getMessage()
                    + stays);
        }
        awaitNewMacs(running, next);
        LbTables built;
        try {
            built = build(next);
        } catch (LbSetupException e) {
            restore(running);
            return AdminReply.refused("not applied " + what + ": " + e.getMessage() + stays);
        }
        List<SteeringRule> steered = new ArrayList<>();
        try {
            for (SteeringRule rule : plan.steer()) {
                env.steer(rule);
                steered.add(rule);
            }
        } catch (RuntimeException e) {
            for (SteeringRule rule : steered) {
                env.unsteer(rule);
            }
            restore(running);
            return AdminReply.refused("not applied " + what + ": steering the new VIPs failed: " + e.getMessage() + stays);
        }
        tables.publishRelease(built);
        config = next;
        configLoaded = Instant.now();
        reportUnresolved();
        // From here on the new configuration runs: what fails is reported, the rest still done.
        List<String> failures = new ArrayList<>();
        for (SteeringRule rule : plan.unsteer()) {
            try {
                env.unsteer(rule); // after the publish: no worker looks for these VIPs' packets any more
            } catch (RuntimeException e) {
                failures.add("removing the steering rule " + rule + " failed (its packets still reach the workers, "
                        + "which drop them as no VIP's): " + e.getMessage());
            }
        }
        if (plan.timeoutsChanged()) {
            for (ConnectionTable t : connections) {
                t.setIdleTimeouts(next.connections().tcpIdle().toNanos(), next.connections().udpIdle().toNanos());
            }
        }
        List<InetAddress> forgotten = drains.retain(next);
        health.watch(next);
        try {
            env.resolve(next);
        } catch (RuntimeException e) {
            failures.add("narrowing MAC resolution to the new backends failed: " + e.getMessage());
        }
        String message = plan.message(what);
        if (!forgotten.isEmpty()) {
            message += "; drains of removed backends forgotten: " + String.join(", ", forgotten.stream().map(Literals::text).toList());
        }
        for (String f : failures) {
            message += "; " + f;
        }
        return AdminReply.ok(message);
    }

    /**
     * Waits, at most {@link #resolveWait}, until the MACs of the backends {@code next} adds are known:
     * so that they take new flows from the switch on. Backends already running are not waited for
     * (one the kernel cannot resolve would delay every reload).
     */
    private void awaitNewMacs(LbConfig running, LbConfig next) {
        long deadline = System.nanoTime() + resolveWait.toNanos();
        while (System.nanoTime() - deadline < 0 && !newMacsKnown(running, next)) {
            LockSupport.parkNanos(10_000_000L); // the refresher's thread resolves; this one only waits for it
        }
    }

    private boolean newMacsKnown(LbConfig running, LbConfig next) {
        for (VipConfig vip : next.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (!Drains.vipsOf(running, b.address()).isEmpty()) {
                    continue;
                }
                if (macFor(next, b.address(), vip.forwarding()) < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Puts back what a refused reload changed before it was refused. */
    private void restore(LbConfig running) {
        metrics.apply(running); // the running VIPs' rows are active or quarantined: this cannot run out
        env.resolve(running);
    }

    /** Every VIP of both configurations, for resolving MACs while one replaces the other. */
    private static LbConfig union(LbConfig a, LbConfig b) {
        List<VipConfig> vips = new ArrayList<>(a.vips());
        vips.addAll(b.vips());
        return new LbConfig(b.source(), b.interfaceName(), b.workers(), vips, b.connections(), b.encapsulation());
    }

    // ---------------------------------------------------------------- drain

    AdminReply drain(InetAddress backend, boolean drain) {
        Objects.requireNonNull(backend, "backend");
        AdminReply reply;
        try {
            reply = onControl(() -> {
                AdminReply r = drain ? drains.drain(config, backend) : drains.undrain(config, backend);
                if (r.ok()) {
                    republish();
                }
                return r;
            });
        } catch (IllegalStateException e) {
            reply = AdminReply.refused(e.getMessage());
        }
        if (reply.ok()) {
            log.accept(reply.message());
        }
        return reply;
    }

    // ---------------------------------------------------------------- status

    LbConfig config() {
        return config;
    }

    /** How many times a backend's health changed in a VIP (what the {@code health_changes} counter shows). */
    long healthChanges(String vip, InetAddress backend) {
        return onControl(() -> health.changes(vip, backend));
    }

    /**
     * What runs now.
     *
     * @param started when the balancer started
     * @param queues  RX queues it opened
     */
    LbStatus status(Instant started, int queues) {
        if (stopping) {
            // the control thread is ending or gone and nothing changes any more: read here
            return snapshot(started, queues);
        }
        return onControl(() -> snapshot(started, queues));
    }

    private LbStatus snapshot(Instant started, int queues) {
        LbConfig c = config;
        LbTables t = tables.getAcquire();
        List<VipStatus> vips = new ArrayList<>();
        for (VipConfig vc : c.vips()) {
            List<BackendStatus> backends = new ArrayList<>();
            for (BackendConfig b : vc.backends()) {
                boolean unresolved = false;
                for (UnresolvedBackend u : t.unresolved()) {
                    unresolved |= u.vip().equals(vc.name()) && u.backend().equals(b.address());
                }
                BackendCounts n = metrics.backend(vc.name(), b.address());
                backends.add(new BackendStatus(Literals.text(b.address()), b.weight(), effectiveWeight(t, vc.name(), b.address()),
                        health.status(vc, b), drains.contains(b.address()), unresolved, n.packets(), n.bytes(), n.newFlows(),
                        n.packetsPerSecond(), health.lastFailure(vc, b)));
            }
            VipCounts n = metrics.vip(vc.name());
            vips.add(new VipStatus(vc.name(), Literals.text(vc.address()), vc.protocol().name().toLowerCase(Locale.ROOT),
                    vc.port(), vc.forwarding().name().toLowerCase(Locale.ROOT), n.packets(), n.bytes(), n.newFlows(),
                    n.dropped(), n.packetsPerSecond(), backends));
        }
        long flows = 0;
        long capacity = 0;
        for (ConnectionTable ct : connections) {
            flows += ct.size(); // the worker's plain int: a moment old, never torn
            capacity += ct.capacity();
        }
        return new LbStatus(c.interfaceName(), ProcessHandle.current().pid(), started, configLoaded,
                c.source() == null ? null : c.source().toString(), queues, connections.size(), flows, capacity, vips);
    }

    /** The weight new flows of a backend see in the published tables: 0 when it is not in them (down). */
    private static int effectiveWeight(LbTables t, String vip, InetAddress backend) {
        Vip v = t.vip(vip);
        if (v == null) {
            return 0;
        }
        for (int i = 0; i < v.backendCount(); i++) {
            if (v.backendAddress(i).equals(backend)) {
                return v.effectiveWeight(i);
            }
        }
        return 0;
    }

    /**
     * The gauges' source, asked by {@link LbMetrics#update} on the control thread (or on the closing
     * thread once that has ended), for every (VIP, backend) every update: answers from maps rebuilt
     * only when the configuration or the published tables change.
     */
    private final class View implements BackendView {
        private record Key(String vip, InetAddress backend) {
        }

        private record Configured(VipConfig vip, BackendConfig backend) {
        }

        private LbConfig mappedConfig;
        private Map<Key, Configured> configured = Map.of();
        private LbTables mappedTables;
        private Map<Key, Integer> effective = Map.of();

        private Configured configured(String vip, InetAddress backend) {
            LbConfig c = config;
            if (c != mappedConfig) {
                Map<Key, Configured> m = new HashMap<>();
                for (VipConfig v : c.vips()) {
                    for (BackendConfig b : v.backends()) {
                        m.put(new Key(v.name(), b.address()), new Configured(v, b));
                    }
                }
                configured = m;
                mappedConfig = c;
            }
            return configured.get(new Key(vip, backend));
        }

        @Override
        public boolean up(String vip, InetAddress backend) {
            Configured c = configured(vip, backend);
            return c == null || health.up(c.vip(), c.backend());
        }

        @Override
        public boolean drained(String vip, InetAddress backend) {
            return drains.contains(backend);
        }

        @Override
        public int weight(String vip, InetAddress backend) {
            Configured c = configured(vip, backend);
            return c == null ? 0 : c.backend().weight();
        }

        @Override
        public int effectiveWeight(String vip, InetAddress backend) {
            LbTables t = tables.getAcquire();
            if (t != mappedTables) {
                Map<Key, Integer> m = new HashMap<>();
                for (Vip v : t.vips()) {
                    for (int i = 0; i < v.backendCount(); i++) {
                        m.put(new Key(v.name(), v.backendAddress(i)), v.effectiveWeight(i));
                    }
                }
                effective = m;
                mappedTables = t;
            }
            return effective.getOrDefault(new Key(vip, backend), 0); // not in the tables: down
        }

        @Override
        public long healthChanges(String vip, InetAddress backend) {
            return health.changes(vip, backend);
        }
    }

    // ---------------------------------------------------------------- stop

    /**
     * Stops the health checks (no change arrives any more), then the control thread (a reload in
     * flight finishes; periodic work ends). Idempotent.
     */
    void stop() {
        stopping = true;
        checker.close();
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One last sum of the workers' statistics into the counters: call it after the workers and the
     * control thread have stopped (this thread is then the only one that touches the statistics).
     */
    void finalUpdate() {
        metrics.update(view);
    }

    /** Frees the statistics' counter groups (the caller frees the rows once the workers are gone). */
    @Override
    public void close() {
        stop();
        metrics.close();
    }
}
