package dev.sluice.lb.control;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.afxdp.XskStatistics;
import dev.sluice.drivers.afxdp.XskStatisticsCounters;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.drivers.xdp.XdpPrograms;
import dev.sluice.drivers.xdp.XdpProgramCounters;
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
import dev.sluice.lb.dataplane.LbCounters;
import dev.sluice.lb.dataplane.LbHandler;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import dev.sluice.lb.dataplane.MacSource;
import dev.sluice.lb.dataplane.UnresolvedBackend;
import dev.sluice.lb.dataplane.Vip;
import dev.sluice.lb.nexthop.NextHopRefresher;
import dev.sluice.lb.nexthop.NextHops;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.sys.LibC;
import dev.sluice.sys.Netlink;
import dev.sluice.umem.UmemConfig;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A running load balancer: what {@code sluice lb} runs, usable embedded.
 *
 * <pre>{@code
 * LbConfig config = LbConfigLoader.load(Path.of("lb.yaml"));
 * try (LoadBalancer lb = LoadBalancer.start(config, LbOptions.defaults())) {
 *     ...   // VIP traffic is balanced until close()
 * }
 * }</pre>
 *
 * <p>{@link #start} opens the configuration's interface on <em>every</em> RX queue, one AF_XDP
 * socket each over one UMEM. There is deliberately no way to open fewer: the steering program sends
 * a VIP packet to the socket of the queue it arrived on, and a queue without a socket would hand it
 * to the kernel, which does not own the VIP. {@code workers} (default: one per queue, at most
 * {@value #MAX_WORKERS}) need not match the queues: fewer workers each drive several queues; more
 * spread each queue's packets over workers by a symmetric flow hash, so a flow always meets the same
 * worker and its connection-table entry.
 *
 * <p>One steering rule per VIP (address, protocol, port or all ports) leaves every other packet,
 * ARP and neighbour discovery included, to the host. The forwarding tables ({@link LbTables}) are
 * built here, off the fast path, and published through {@link Published}: at start, and whenever
 * the background {@link NextHopRefresher} sees a backend's or a next hop's MAC change. Each worker
 * has its own {@link LbHandler} and {@link ConnectionTable}. The program is attached last, once the
 * workers run and the tables hold the MACs the kernel could resolve within
 * {@link LbOptions#resolveWait()}; it is held through a bpf_link, so it detaches when the process
 * ends, even on {@code kill -9}. {@link #close()} leaves nothing attached.
 *
 * <h2>The control plane</h2>
 * One daemon thread, the control thread, makes every change to what runs, one at a time: tables
 * rebuilt when a MAC changes (the refresher's thread only asks), when a health check changes a
 * backend's state (the checks' threads only ask), on {@link #drain}/{@link #undrain} and on
 * {@link #reload}; the callers of those wait for its answer ({@link AdminReply}). Every
 * {@value #METRICS_INTERVAL_MILLIS} ms it also sums the workers' statistics into the counters, and
 * copies the kernel's once a second. A backend is in its VIP with its configured weight when it is
 * up and not drained; drained, it stays with weight 0 (established flows stay, no new ones); down,
 * it leaves the VIP (its flows move, the others keep theirs). The steering map holds
 * max({@value #MIN_STEERING_RULES}, 4 x VIPs at start) rules: room for reloads that add VIPs.
 */
public final class LoadBalancer implements AutoCloseable {
    /** The most workers a balancer runs. */
    public static final int MAX_WORKERS = 64;
    /** The fewest steering rules a balancer's map holds, whatever its first configuration: room for reloads. */
    public static final int MIN_STEERING_RULES = 64;
    /** How often the control thread sums the workers' statistics into the counters. */
    public static final long METRICS_INTERVAL_MILLIS = 250;
    public static final Duration METRICS_INTERVAL = Duration.ofMillis(METRICS_INTERVAL_MILLIS);
    /** How often the control thread copies the kernel's socket and program counters. */
    public static final Duration KERNEL_COUNTERS_INTERVAL = Duration.ofSeconds(1);
    /** How long {@link #stop()} waits for the control thread's task in flight. */
    private static final Duration CONTROL_CLOSE_WAIT = Duration.ofSeconds(5);

    private final LbOptions options;
    private final AfXdpInterface port;
    private final NextHops hops;
    private final NextHopRefresher refresher;
    private final LbTablesBuilder builder = new LbTablesBuilder();
    private final Published<LbTables> tables;
    private final long ownMac;
    private final int mtu;
    private final int steeringCapacity;
    private final List<ConnectionTable> connections;
    private final List<LbCounters> counters;
    private final List<XskStatisticsCounters> kernel = new ArrayList<>();
    private final XdpProgramCounters xdp;
    private final Instant started = Instant.now();
    /** The control thread: every change of the running state (reload, drain, health, MACs) runs on it, one at a time. */
    private final ScheduledThreadPoolExecutor control;
    private volatile Thread controlThread;
    /** Owned by the control thread. */
    private final Drains drains = new Drains();
    /** The running configuration: written on the control thread, read anywhere. */
    private volatile LbConfig config;
    private volatile Instant configLoaded = started;
    private long ticks;
    private Pipeline pipeline;
    private volatile boolean stopping;
    private boolean stopped;
    private boolean closed;

    private LoadBalancer(LbConfig config, LbOptions options, AfXdpInterface port, NextHops hops, long ownMac, int mtu,
                         int steeringCapacity, List<ConnectionTable> connections, List<LbCounters> counters) {
        this.config = config;
        this.options = options;
        this.port = port;
        this.hops = hops;
        this.ownMac = ownMac;
        this.mtu = mtu;
        this.steeringCapacity = steeringCapacity;
        this.connections = connections;
        this.counters = counters;
        for (AfXdpQueue q : port.queues()) {
            kernel.add(XskStatisticsCounters.allocate(options.counters(), q));
        }
        xdp = port.program() != null && port.program().counters().isPresent()
                ? XdpProgramCounters.allocate(options.counters(), port.program(), config.interfaceName()) : null;
        control = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "sluice-lb-control-" + config.interfaceName());
            t.setDaemon(true);
            controlThread = t;
            return t;
        });
        control.setRemoveOnCancelPolicy(true);
        refresher = new NextHopRefresher(hops, options.refreshInterval(), () -> later(this::republish), options.log());
        try {
            tables = new Published<>(buildTables(config)); // on this thread: nothing else runs yet
        } catch (RuntimeException e) {
            refresher.close();
            control.shutdownNow();
            throw e;
        }
    }

    /**
     * Opens the interface, steers the VIPs, builds the tables, starts the workers and attaches: VIP
     * traffic is balanced when this returns. Whatever fails undoes what was done and throws (a
     * {@link PortSetupException} or {@link LbSetupException} for what the user can fix: privileges, an
     * interface that vanished, a program already attached, ...).
     */
    public static LoadBalancer start(LbConfig config, LbOptions options) {
        String ifname = config.interfaceName();
        int ifindex = LibC.ifNameToIndex(ifname);
        if (ifindex == 0) {
            throw new PortSetupException(PortSetupException.Reason.UNKNOWN_INTERFACE,
                    "no network interface named '" + ifname + "' (see 'ip link')");
        }
        Netlink.LinkInfo link = Netlink.link(ifindex);
        int[] queueIds = AfXdpInterface.allQueues(ifname); // the queues in use, each of which may carry VIP packets
        int queues = queueIds.length;
        int workers = config.workers() > 0 ? config.workers() : Math.min(queues, MAX_WORKERS);
        if (workers > MAX_WORKERS) {
            throw new LbSetupException("workers: " + workers + " is more than a balancer runs (at most " + MAX_WORKERS + ")");
        }
        int steeringCapacity = steeringCapacity(config);
        AfXdpOptions xsk = AfXdpOptions.defaults().withSteering(true).withXdpMode(options.xdpMode())
                .withCopyMode(options.copyMode()).withCounters(options.counters())
                .withSteeringRules(steeringCapacity);
        UmemConfig umem = UmemConfig.defaults().withFrameCount(options.framesPerQueue() * queues);
        List<AutoCloseable> undo = new ArrayList<>();
        try {
            AfXdpInterface port = AfXdpInterface.prepare(ifname, queueIds, umem, xsk);
            undo.add(port);
            for (VipConfig vip : config.vips()) {
                port.steer(ReloadPlan.rule(vip));
            }
            NextHops hops = new NextHops(ifname);
            undo.add(hops);
            List<ConnectionTable> connections = new ArrayList<>();
            List<LbCounters> counters = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                ConnectionTable table = new ConnectionTable(config.connections().capacity(),
                        config.connections().tcpIdle().toNanos(), config.connections().udpIdle().toNanos());
                undo.add(table);
                connections.add(table);
                counters.add(new LbCounters(options.counters(), w));
            }
            LoadBalancer lb = new LoadBalancer(config, options, port, hops, macOf(link.mac()), link.mtu(), steeringCapacity,
                    connections, counters);
            undo.clear(); // the balancer closes all of it
            undo.add(lb);
            lb.resolveAtStart();
            lb.startWorkers(workers);
            port.attach();
            lb.startControl();
            return lb;
        } catch (RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                try {
                    undo.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Steering rules a balancer started with {@code config} holds: room for reloads that add VIPs. */
    static int steeringCapacity(LbConfig config) {
        return Math.min(XdpPrograms.MAX_STEERING_RULES, Math.max(MIN_STEERING_RULES, 4 * config.vips().size()));
    }

    private static long macOf(byte[] mac) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (mac[i] & 0xFF);
        }
        return m;
    }

    /**
     * Tells the refresher what to resolve and waits, up to {@link LbOptions#resolveWait()}, until the
     * kernel knows every MAC the tables need, then publishes tables with what is known.
     */
    private void resolveAtStart() {
        refresher.watch(config);
        long deadline = System.nanoTime() + options.resolveWait().toNanos();
        while (!everyMacKnown(config) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(10_000_000L); // the refresher's thread resolves; this one only waits for it
        }
        onControl(() -> {
            republish();
            return null;
        });
    }

    private boolean everyMacKnown(LbConfig c) {
        for (VipConfig vip : c.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (macFor(c, b.address(), vip.forwarding()) == MacSource.UNKNOWN) {
                    return false;
                }
            }
        }
        return true;
    }

    private void startWorkers(int workers) {
        int[] next = {0};
        Pipeline.Builder b = Pipeline.builder().ports(port.queues()).workers(workers).burst(options.burst()).idle("backoff")
                .handler(() -> {
                    int w = next[0]++; // the builder asks for the handlers one after another, on this thread
                    // SEAM(metrics): pass the worker's WorkerStats once LbHandler takes them
                    return new LbHandler(tables, connections.get(w), counters.get(w), System::nanoTime);
                })
                .counters(options.counters())
                .errorLog(message -> options.log().accept("internal error: " + message));
        if (workers > port.queues().size()) {
            b.hashing(Toeplitz.symmetric());
        }
        if (options.cpus() != null) {
            b.cpus(options.cpus());
        }
        pipeline = b.start();
    }

    /** Starts what runs beside the workers: health checks and the periodic counters. */
    private void startControl() {
        // SEAM(health): start the health checks of the VIPs that have a health block
        long period = METRICS_INTERVAL.toNanos();
        control.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.NANOSECONDS);
    }

    /** The control thread's periodic work: the workers' statistics into the counters, the kernel's now and then. */
    private void tick() {
        try {
            // SEAM(metrics): metrics.update(view) once LbMetrics is there
            if (ticks++ % (KERNEL_COUNTERS_INTERVAL.toNanos() / METRICS_INTERVAL.toNanos()) == 0) {
                updateKernelCounters();
            }
        } catch (RuntimeException e) {
            options.log().accept("internal error: updating the counters failed: " + e); // the next tick tries again
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
            f = control.submit(task);
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
            control.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    options.log().accept("internal error: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: nothing to update any more
        }
    }

    /** What each backend of the running configuration is now: health and drain (control thread). */
    private BackendAvailability availability() {
        // SEAM(health): DOWN when the backend's health check says so
        return (vip, backend) -> drains.contains(backend.address()) ? Availability.DRAINED : Availability.ACTIVE;
    }

    /** Rebuilds the tables with the MACs known now and publishes them; workers switch at their next burst. */
    private void republish() {
        if (stopping) {
            return;
        }
        LbTables next;
        try {
            next = buildTables(config);
        } catch (LbSetupException e) {
            // the interface lost what the configuration needs (e.g. its address): keep the tables running
            options.log().accept(e.getMessage() + " (the tables in use stay)");
            return;
        }
        tables.publishRelease(next);
        reportUnresolved();
    }

    private LbTables buildTables(LbConfig c) {
        try {
            return builder.build(c, ownMac, mtu, (target, mode) -> macFor(c, target, mode), hops.interfaceAddresses(),
                    availability());
        } catch (IllegalArgumentException e) {
            // what the file asks cannot be served on this interface (e.g. no outer source address)
            throw new LbSetupException(c.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    /** A target's MAC for the tables of {@code c}: the configuration's when it gives one, else the kernel's (or -1). */
    private long macFor(LbConfig c, InetAddress target, Forwarding mode) {
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
        return refresher.mac(target, mode);
    }

    /** Logs, once per episode, each backend that takes no new flows for want of a MAC. */
    private void reportUnresolved() {
        for (UnresolvedBackend u : builder.newlyUnresolved()) {
            options.log().accept(u.message());
        }
    }

    // ---------------------------------------------------------------- reload, drain, status

    /**
     * Loads {@code file} ({@link LbConfigLoader#load}) and applies it as {@link #reload(LbConfig)}
     * does. An invalid file is refused with the loader's message as it is (file, line, column, key
     * path); the running configuration stays.
     */
    public AdminReply reload(Path file) {
        LbConfig next;
        try {
            next = LbConfigLoader.load(file);
        } catch (ConfigException e) {
            AdminReply reply = AdminReply.refused(e.getMessage());
            options.log().accept("reload refused: " + reply.message());
            return reply;
        }
        return reload(next);
    }

    /**
     * Applies {@code next} to the running balancer, or refuses it and changes nothing. Refused: a
     * different interface, worker count or connection-table capacity (a restart changes those); more
     * VIPs than the steering map holds while old and new are steered together; tables that cannot
     * be built (e.g. no outer source for an encapsulated backend). Applied, in this order: the
     * counters of new VIPs and backends, tables built, added VIPs steered, tables published (one
     * switch for the workers: established flows keep their backends while those stay), removed VIPs
     * unsteered, idle timeouts, health checks and MAC resolution set to the new configuration,
     * which runs from then on. Drains of backends still configured stay. Thread-safe: reloads,
     * drains and health changes are applied one at a time on the control thread.
     */
    public AdminReply reload(LbConfig next) {
        Objects.requireNonNull(next, "next");
        AdminReply reply;
        try {
            reply = onControl(() -> apply(next));
        } catch (IllegalStateException e) {
            reply = AdminReply.refused(e.getMessage());
        }
        options.log().accept((reply.ok() ? "reload: " : "reload refused: ") + reply.message());
        return reply;
    }

    private AdminReply apply(LbConfig next) {
        LbConfig running = config;
        String what = next.source() != null ? next.source().toString() : "the new configuration";
        ReloadPlan plan = ReloadPlan.of(running, next, steeringCapacity);
        if (plan.refused()) {
            return AdminReply.refused(plan.message(what));
        }
        // SEAM(metrics): metrics.apply(next), refused when the rows are full
        refresher.watch(union(running, next)); // new backends' MACs known before the build where the kernel has them
        LbTables built;
        try {
            built = buildTables(next);
        } catch (LbSetupException e) {
            refresher.watch(running);
            return AdminReply.refused("not applied " + what + ": " + e.getMessage() + " (the running configuration stays)");
        }
        List<SteeringRule> steered = new ArrayList<>();
        try {
            for (SteeringRule rule : plan.steer()) {
                port.steer(rule);
                steered.add(rule);
            }
        } catch (RuntimeException e) {
            for (SteeringRule rule : steered) {
                port.unsteer(rule);
            }
            refresher.watch(running);
            return AdminReply.refused("not applied " + what + ": steering the new VIPs failed: " + e.getMessage()
                    + " (the running configuration stays)");
        }
        tables.publishRelease(built);
        config = next;
        configLoaded = Instant.now();
        reportUnresolved();
        for (SteeringRule rule : plan.unsteer()) {
            port.unsteer(rule); // after the publish: no worker still looks for these VIPs' packets
        }
        if (plan.timeoutsChanged()) {
            for (ConnectionTable t : connections) {
                t.setIdleTimeouts(next.connections().tcpIdle().toNanos(), next.connections().udpIdle().toNanos());
            }
        }
        List<InetAddress> undrained = drains.retain(next);
        // SEAM(health): health.watch(targets of next)
        refresher.watch(next);
        String message = plan.message(what);
        if (!undrained.isEmpty()) {
            message += "; drains of removed backends forgotten: "
                    + String.join(", ", undrained.stream().map(Literals::text).toList());
        }
        return AdminReply.ok(message);
    }

    /** Every VIP of both configurations, for resolving MACs while one replaces the other. */
    private static LbConfig union(LbConfig a, LbConfig b) {
        List<VipConfig> vips = new ArrayList<>(a.vips());
        vips.addAll(b.vips());
        return new LbConfig(b.source(), b.interfaceName(), b.workers(), vips, b.connections(), b.encapsulation());
    }

    /**
     * Drains {@code backend} in every VIP that holds it: it takes no new flows, its established
     * flows stay. The drain outlives reloads while some VIP still holds the address. Refused when
     * no VIP holds it.
     */
    public AdminReply drain(InetAddress backend) {
        return drainOrUndrain(backend, true);
    }

    /** Gives a drained backend new flows again (every VIP that holds it). Refused when no VIP holds it. */
    public AdminReply undrain(InetAddress backend) {
        return drainOrUndrain(backend, false);
    }

    private AdminReply drainOrUndrain(InetAddress backend, boolean drain) {
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
            options.log().accept(reply.message());
        }
        return reply;
    }

    /** What runs now: configuration, health, drains, flows, counts and rates. */
    public LbStatus status() {
        return onControl(this::snapshot);
    }

    private LbStatus snapshot() {
        LbConfig c = config;
        LbTables t = tables.getAcquire();
        List<VipStatus> vips = new ArrayList<>();
        for (VipConfig vc : c.vips()) {
            Vip vip = t.vip(vc.name());
            List<BackendStatus> backends = new ArrayList<>();
            for (BackendConfig b : vc.backends()) {
                int effective = 0;
                if (vip != null) {
                    int i = vip.backends().indexOf(b.address());
                    effective = i < 0 ? 0 : vip.effectiveWeight(i);
                }
                boolean unresolved = false;
                for (UnresolvedBackend u : t.unresolved()) {
                    unresolved |= u.vip().equals(vc.name()) && u.backend().equals(b.address());
                }
                // SEAM(health): up/down/unchecked and the last failure; SEAM(metrics): the counts
                String health = vc.health() == null ? BackendStatus.UNCHECKED : BackendStatus.UP;
                backends.add(new BackendStatus(Literals.text(b.address()), b.weight(), effective, health,
                        drains.contains(b.address()), unresolved, 0, 0, 0, 0, null));
            }
            vips.add(new VipStatus(vc.name(), Literals.text(vc.address()), vc.protocol().name().toLowerCase(Locale.ROOT),
                    vc.port(), vc.forwarding().name().toLowerCase(Locale.ROOT), 0, 0, 0, 0, 0, backends));
        }
        long flows = 0;
        long capacity = 0;
        for (ConnectionTable ct : connections) {
            flows += ct.size(); // the worker's plain int: a moment old, never torn
            capacity += ct.capacity();
        }
        return new LbStatus(c.interfaceName(), ProcessHandle.current().pid(), started, configLoaded,
                c.source() == null ? null : c.source().toString(), port.queues().size(), connections.size(), flows, capacity, vips);
    }

    /** The configuration it runs now (the last one applied). */
    public LbConfig config() {
        return config;
    }

    /** The file the running configuration came from, or null when it was built in code. */
    public Path configSource() {
        return config.source();
    }

    /** The AF_XDP interface (its queues' counters, copy and XDP modes). */
    public AfXdpInterface port() {
        return port;
    }

    /** The tables the workers use now. */
    public LbTables tables() {
        return tables.getAcquire();
    }

    /** Each worker's data-plane counters. */
    public List<LbCounters> counters() {
        return Collections.unmodifiableList(counters);
    }

    public int workerCount() {
        return connections.size();
    }

    /** Steering rules the balancer's map holds: max({@value #MIN_STEERING_RULES}, 4 x the VIPs it started with). */
    public int steeringCapacity() {
        return steeringCapacity;
    }

    /** The total of one {@link PortCounters} counter over the queues. */
    public long portTotal(int counter) {
        long sum = 0;
        for (AfXdpQueue q : port.queues()) {
            sum += q.counters().get(counter);
        }
        return sum;
    }

    /**
     * Copies the kernel's socket statistics and the steering program's counters into the counters
     * (syscalls: call it about once a second, never from a worker; the control thread does it every
     * {@link #KERNEL_COUNTERS_INTERVAL}) and returns the sockets' sum.
     */
    public synchronized XskStatistics updateKernelCounters() {
        XskStatistics total = XskStatistics.ZERO;
        if (closed) {
            return total;
        }
        for (XskStatisticsCounters k : kernel) {
            total = total.plus(k.update());
        }
        if (xdp != null) {
            xdp.update();
        }
        return total;
    }

    /**
     * Stops the health checks and the control thread, then the workers (each finishes its burst;
     * frames in flight are sent or returned) and waits for transmissions; the program stays
     * attached until {@link #close()}, so a caller can take a last look at complete counters first.
     * Idempotent.
     */
    public void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        stopping = true;
        // SEAM(health): health.close() first: no change arrives any more
        control.shutdown(); // a reload in flight finishes; periodic work ends
        try {
            if (!control.awaitTermination(CONTROL_CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                control.shutdownNow();
            }
        } catch (InterruptedException e) {
            control.shutdownNow();
            Thread.currentThread().interrupt();
        }
        refresher.close();
        if (pipeline != null) {
            pipeline.close();
        }
        port.drainTx(500);
        // SEAM(metrics): one last metrics.update(view) here: the workers and the control thread have ended
    }

    /** Stops, detaches the program, closes the sockets and the connection tables. Idempotent. */
    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            stop();
        } catch (RuntimeException e) {
            failure = e;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (AutoCloseable c : closeOrder()) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private List<AutoCloseable> closeOrder() {
        List<AutoCloseable> order = new ArrayList<>();
        order.add(port); // detaches first: from here on the kernel gets every packet again
        order.addAll(connections);
        order.add(hops);
        return order;
    }
}
