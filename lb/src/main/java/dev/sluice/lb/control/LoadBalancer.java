package dev.sluice.lb.control;

import dev.sluice.drivers.Port;
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
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.LbCounters;
import dev.sluice.lb.dataplane.LbHandler;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.MacSource;
import dev.sluice.lb.nexthop.NextHopRefresher;
import dev.sluice.lb.nexthop.NextHops;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.pipeline.runtime.Pipeline;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

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
 * has its own {@link LbHandler} and {@link ConnectionTable}. Before the workers start, {@code LbWarmUp}
 * runs the same data path over a simulated queue, so that it is compiled when traffic arrives; MACs
 * resolve meanwhile. The program is attached last, once the
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
    /** How often, in milliseconds, the control thread sums the workers' statistics into the counters. */
    public static final long METRICS_INTERVAL_MILLIS = 250;
    /** How often the control thread sums the workers' statistics into the counters. */
    public static final Duration METRICS_INTERVAL = Duration.ofMillis(METRICS_INTERVAL_MILLIS);

    private final LbOptions options;
    private final AfXdpInterface port;
    private final NextHops hops;
    private final NextHopRefresher refresher;
    private final int steeringCapacity;
    private final List<ConnectionTable> connections;
    private final List<LbCounters> counters;
    private final LbStats stats;
    private final List<XskStatisticsCounters> kernel = new ArrayList<>();
    private final XdpProgramCounters xdp;
    private final Instant started = Instant.now();
    private final ControlPlane control;
    private Pipeline pipeline;
    private LbWarmUp.Result warmUp = LbWarmUp.Result.NONE;
    private boolean stopped;
    private boolean closed;

    private LoadBalancer(LbConfig config, LbOptions options, AfXdpInterface port, NextHops hops, long ownMac, int mtu,
                         int steeringCapacity, List<ConnectionTable> connections, List<LbCounters> counters, LbStats stats) {
        this.options = options;
        this.port = port;
        this.hops = hops;
        this.steeringCapacity = steeringCapacity;
        this.connections = connections;
        this.counters = counters;
        this.stats = stats;
        for (AfXdpQueue q : port.queues()) {
            kernel.add(XskStatisticsCounters.allocate(options.counters(), q));
        }
        xdp = port.program() != null && port.program().counters().isPresent()
                ? XdpProgramCounters.allocate(options.counters(), port.program(), config.interfaceName()) : null;
        ControlPlane[] plane = new ControlPlane[1]; // the refresher exists before the plane it tells
        refresher = new NextHopRefresher(hops, options.refreshInterval(), () -> {
            if (plane[0] != null) {
                plane[0].republishLater();
            }
        }, options.log());
        try {
            control = new ControlPlane(config, new ControlPlane.Environment() {
                @Override
                public void steer(SteeringRule rule) {
                    port.steer(rule);
                }

                @Override
                public void unsteer(SteeringRule rule) {
                    port.unsteer(rule);
                }

                @Override
                public List<InetAddress> interfaceAddresses() {
                    return hops.interfaceAddresses();
                }

                @Override
                public void resolve(LbConfig c) {
                    refresher.watch(c);
                }

                @Override
                public long mac(InetAddress target, Forwarding mode) {
                    return refresher.mac(target, mode);
                }
            }, ownMac, mtu, steeringCapacity, connections, stats, options.counters(), options.log(), this::updateKernelCounters);
            plane[0] = control;
            control.resolveWait(options.resolveWait());
        } catch (RuntimeException e) {
            refresher.close();
            throw e;
        }
    }

    /**
     * Counter groups a balancer running {@code config} on {@code queues} RX queues allocates, with
     * room for reloads: per queue its port and socket statistics, per worker its pipeline and data
     * plane groups, one for the steering program, and per VIP and per (VIP, backend) one group,
     * counted four times over (a reload holds the old and the new groups together, and may grow the
     * configuration). Size a counters file with at least this many groups.
     */
    public static int counterGroupsNeeded(LbConfig config, int queues) {
        int workers = config.workers() > 0 ? config.workers() : Math.min(Math.max(1, queues), MAX_WORKERS);
        long labelled = config.vips().size();
        for (VipConfig vip : config.vips()) {
            labelled += vip.backends().size();
        }
        return (int) Math.min(Integer.MAX_VALUE, 2L * queues + 2L * workers + 1 + 4 * labelled);
    }

    /**
     * Opens the interface, steers the VIPs, builds the tables, warms the data path up
     * ({@link LbOptions#warmUp()}), starts the workers and attaches: VIP
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
                .withRingSize(options.ringSize()).withFramesInFlight(options.framesInFlight())
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
            LbStats stats = new LbStats(workers, ControlPlane.statsRows(config));
            undo.add(stats);
            LoadBalancer lb = new LoadBalancer(config, options, port, hops, macOf(link.mac()), link.mtu(), steeringCapacity,
                    connections, counters, stats);
            lb.control.autoWorkers(Math.min(queues, MAX_WORKERS));
            undo.clear(); // the balancer closes all of it
            undo.add(lb);
            lb.resolveAtStart(() -> lb.warmUp(workers, macOf(link.mac()), link.mtu()));
            lb.startWorkers(workers);
            port.attach();
            lb.control.start();
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
     * Tells the refresher what to resolve, runs {@code meanwhile} (the warm-up: the kernel answers
     * while it runs), then waits, up to {@link LbOptions#resolveWait()} from the start, until the
     * kernel knows every MAC the tables need, then publishes tables with what is known.
     */
    private void resolveAtStart(Runnable meanwhile) {
        LbConfig config = control.config();
        refresher.watch(config);
        long deadline = System.nanoTime() + options.resolveWait().toNanos();
        meanwhile.run();
        while (!everyMacKnown(config) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(10_000_000L); // the refresher's thread resolves; this one only waits for it
        }
        control.republishNow();
    }

    private boolean everyMacKnown(LbConfig c) {
        for (VipConfig vip : c.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (control.macFor(c, b.address(), vip.forwarding()) == MacSource.UNKNOWN) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Runs {@link LbWarmUp} with this balancer's configuration and interface, as
     * {@link LbOptions#warmUp()} says (nothing when zero), before the workers start.
     */
    private void warmUp(int workers, long ownMac, int mtu) {
        int queues = port.queues().size();
        try {
            warmUp = LbWarmUp.run(control.config(), ownMac, mtu, hops.interfaceAddresses(), workers > queues ? workers : 1,
                    options.burst(), options.warmUp(), options.log());
        } catch (IllegalArgumentException e) {
            // the interface changed since the real tables were built from the same input: as a rebuild would, say so and go on
            options.log().accept(control.config().interfaceName() + ": no warm-up: " + e.getMessage());
        }
    }

    /**
     * The data path's pipeline over {@code ports}, without its counters, CPUs and error log: what the
     * workers run and what {@link LbWarmUp} compiles, so that both are the same code.
     *
     * @param idle     the workers' idle strategy ({@link LbOptions#idle})
     * @param handlers worker {@code w}'s handler, asked for once per worker in order, on the calling thread
     */
    static Pipeline.Builder dataPath(List<? extends Port> ports, int workers, int burst, String idle,
                                     IntFunction<LbHandler> handlers) {
        int[] next = {0};
        Pipeline.Builder b = Pipeline.builder().ports(ports).workers(workers).burst(burst).idle(idle)
                .handler(() -> handlers.apply(next[0]++));
        if (workers > ports.size()) {
            b.hashing(Toeplitz.symmetric());
        }
        return b;
    }

    private void startWorkers(int workers) {
        Pipeline.Builder b = dataPath(port.queues(), workers, options.burst(), options.idle(),
                w -> new LbHandler(control.tables(), connections.get(w), counters.get(w), stats.worker(w), System::nanoTime))
                .counters(options.counters())
                .errorLog(message -> options.log().accept("internal error: " + message));
        if (options.cpus() != null) {
            b.cpus(options.cpus());
        }
        pipeline = b.start();
    }

    // ---------------------------------------------------------------- reload, drain, status

    /**
     * Loads {@code file} ({@link LbConfigLoader#load}) and applies it as {@link #reload(LbConfig)}
     * does. An invalid file is refused with the loader's message as it is (file, line, column, key
     * path); the running configuration stays.
     */
    public AdminReply reload(Path file) {
        return control.reload(file, LbConfigLoader::kernelKnows);
    }

    /**
     * Applies {@code next} to the running balancer, or refuses it and changes nothing. Refused: a
     * different interface, worker count or connection-table capacity (a restart changes those); more
     * VIPs than the steering map holds while old and new are steered together; more VIPs and
     * backends than the statistics rows or the counters file hold; tables that cannot be built (e.g.
     * no outer source for an encapsulated backend). Applied, in this order: the statistics of new
     * VIPs and backends, tables built, added VIPs steered, tables published (one switch for the
     * workers: established flows keep their backends while those stay), removed VIPs unsteered,
     * idle timeouts, health checks and MAC resolution set to the new configuration, which runs from
     * then on. Drains of backends still configured stay. The outcome is also logged.
     *
     * <p>Thread-safe: reloads, drains and health changes are applied one at a time on the control
     * thread; this waits for it.
     */
    public AdminReply reload(LbConfig next) {
        return control.reload(next);
    }

    /**
     * Drains {@code backend} in every VIP that holds it: it takes no new flows, its established
     * flows stay. The drain outlives reloads while some VIP still holds the address. Refused when
     * no VIP holds it.
     */
    public AdminReply drain(InetAddress backend) {
        return control.drain(backend, true);
    }

    /** Gives a drained backend new flows again (every VIP that holds it). Refused when no VIP holds it. */
    public AdminReply undrain(InetAddress backend) {
        return control.drain(backend, false);
    }

    /** What runs now: configuration, health, drains, flows, counts and rates (as of the last statistics update). */
    public LbStatus status() {
        return control.status(started, port.queues().size());
    }

    /** The configuration it runs now (the last one applied). */
    public LbConfig config() {
        return control.config();
    }

    /** The file the running configuration came from, or null when it was built in code. */
    public Path configSource() {
        return control.config().source();
    }

    /** The AF_XDP interface (its queues' counters, copy and XDP modes). */
    public AfXdpInterface port() {
        return port;
    }

    /** The tables the workers use now. */
    public LbTables tables() {
        return control.tables().getAcquire();
    }

    /** Packets the warm-up before attaching ran through the data path (0: none, {@link LbOptions#warmUp()} zero). */
    public long warmUpPackets() {
        return warmUp.delivered();
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
     * (syscalls: about once a second, never from a worker; the control thread does it once a second)
     * and returns the sockets' sum.
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
     * frames in flight are sent or returned) and waits for transmissions; the statistics are summed
     * a last time. The program stays attached until {@link #close()}, so a caller can take a last
     * look at complete counters first. Idempotent.
     */
    public void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        control.stop();
        refresher.close();
        if (pipeline != null) {
            pipeline.close();
        }
        port.drainTx(500);
        control.finalUpdate();
    }

    /** Stops, detaches the program, closes the sockets, the connection tables and the statistics. Idempotent. */
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
        order.add(control);
        order.add(stats);
        order.add(hops);
        return order;
    }
}
