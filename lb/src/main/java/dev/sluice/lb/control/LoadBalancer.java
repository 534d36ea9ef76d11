package dev.sluice.lb.control;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.afxdp.XskStatistics;
import dev.sluice.drivers.afxdp.XskStatisticsCounters;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.drivers.xdp.XdpProgramCounters;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.LbCounters;
import dev.sluice.lb.dataplane.LbHandler;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import dev.sluice.lb.dataplane.MacSource;
import dev.sluice.lb.dataplane.UnresolvedBackend;
import dev.sluice.lb.nexthop.NextHopRefresher;
import dev.sluice.lb.nexthop.NextHops;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.sys.LibC;
import dev.sluice.sys.Netlink;
import dev.sluice.umem.UmemConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
 */
public final class LoadBalancer implements AutoCloseable {
    /** The most workers a balancer runs. */
    public static final int MAX_WORKERS = 64;

    private final LbConfig config;
    private final LbOptions options;
    private final AfXdpInterface port;
    private final NextHops hops;
    private final NextHopRefresher refresher;
    private final LbTablesBuilder builder = new LbTablesBuilder();
    private final Published<LbTables> tables;
    private final long ownMac;
    private final int mtu;
    private final List<ConnectionTable> connections;
    private final List<LbCounters> counters;
    private final List<XskStatisticsCounters> kernel = new ArrayList<>();
    private final XdpProgramCounters xdp;
    private Pipeline pipeline;
    private boolean stopped;
    private boolean closed;

    private LoadBalancer(LbConfig config, LbOptions options, AfXdpInterface port, NextHops hops, long ownMac, int mtu,
                         List<ConnectionTable> connections, List<LbCounters> counters) {
        this.config = config;
        this.options = options;
        this.port = port;
        this.hops = hops;
        this.ownMac = ownMac;
        this.mtu = mtu;
        this.connections = connections;
        this.counters = counters;
        for (AfXdpQueue q : port.queues()) {
            kernel.add(XskStatisticsCounters.allocate(options.counters(), q));
        }
        xdp = port.program() != null && port.program().counters().isPresent()
                ? XdpProgramCounters.allocate(options.counters(), port.program(), config.interfaceName()) : null;
        refresher = new NextHopRefresher(hops, options.refreshInterval(), this::republish, options.log());
        try {
            tables = new Published<>(buildTables());
        } catch (RuntimeException e) {
            refresher.close();
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
        AfXdpOptions xsk = AfXdpOptions.defaults().withSteering(true).withXdpMode(options.xdpMode())
                .withCopyMode(options.copyMode()).withCounters(options.counters())
                .withSteeringRules(Math.max(1, config.vips().size()));
        UmemConfig umem = UmemConfig.defaults().withFrameCount(options.framesPerQueue() * queues);
        List<AutoCloseable> undo = new ArrayList<>();
        try {
            AfXdpInterface port = AfXdpInterface.prepare(ifname, queueIds, umem, xsk);
            undo.add(port);
            for (VipConfig vip : config.vips()) {
                port.steer(SteeringRule.vip(vip.address(), vip.protocol().number(), vip.port()));
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
            LoadBalancer lb = new LoadBalancer(config, options, port, hops, macOf(link.mac()), link.mtu(), connections, counters);
            undo.clear(); // the balancer closes all of it
            undo.add(lb);
            lb.resolveAtStart();
            lb.startWorkers(workers);
            port.attach();
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
        while (!everyMacKnown() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(10_000_000L); // the refresher's thread resolves; this one only waits for it
        }
        republish();
    }

    private boolean everyMacKnown() {
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (macFor(b.address(), vip.forwarding()) == MacSource.UNKNOWN) {
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

    /** Rebuilds the tables with the MACs known now and publishes them; workers switch at their next burst. */
    private synchronized void republish() {
        if (closed) {
            return;
        }
        LbTables next = buildTables();
        if (tables != null) {
            tables.publishRelease(next);
        }
        reportUnresolved();
    }

    private LbTables buildTables() {
        try {
            return builder.build(config, ownMac, mtu, this::macFor, hops.interfaceAddresses());
        } catch (IllegalArgumentException e) {
            // what the file asks cannot be served on this interface (e.g. no outer source address)
            throw new LbSetupException(config.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    /** A target's MAC for the tables: the configuration's when it gives one, else the kernel's (or -1). */
    private long macFor(InetAddress target, Forwarding mode) {
        if (mode == Forwarding.DSR) {
            for (VipConfig vip : config.vips()) {
                for (BackendConfig b : vip.backends()) {
                    if (vip.forwarding() == Forwarding.DSR && b.hasMac() && b.address().equals(target)) {
                        return b.mac();
                    }
                }
            }
        } else if (config.encapsulation().nextHopMac() != BackendConfig.MAC_FROM_KERNEL) {
            return config.encapsulation().nextHopMac();
        }
        return refresher.mac(target, mode);
    }

    /** Logs, once per episode, each backend that takes no new flows for want of a MAC. */
    private void reportUnresolved() {
        for (UnresolvedBackend u : builder.newlyUnresolved()) {
            options.log().accept(u.message());
        }
    }

    /** The configuration it runs. */
    public LbConfig config() {
        return config;
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
     * (syscalls: call it about once a second, never from a worker) and returns the sockets' sum.
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
     * Stops the workers (each finishes its burst; frames in flight are sent or returned) and waits
     * for transmissions; the program stays attached until {@link #close()}, so a caller can take a
     * last look at complete counters first. Idempotent.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        refresher.close();
        if (pipeline != null) {
            pipeline.close();
        }
        port.drainTx(500);
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
