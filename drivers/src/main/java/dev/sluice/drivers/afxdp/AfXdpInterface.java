package dev.sluice.drivers.afxdp;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.drivers.xdp.XdpAttachment;
import dev.sluice.drivers.xdp.XdpMode;
import dev.sluice.drivers.xdp.XdpProgram;
import dev.sluice.drivers.xdp.XdpPrograms;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NetNs;
import dev.sluice.sys.Netlink;
import dev.sluice.sys.Privileges;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * AF_XDP on one network interface: opens a socket per queue, all sharing one UMEM and its one
 * frame pool, and attaches the XDP program that steers each queue's packets to its socket. The
 * data path is in the queues: each {@link AfXdpQueue} is a {@link Port} that one worker drives.
 *
 * <pre>{@code
 * try (Umem umem = Umem.allocate(UmemConfig.defaults());
 *      AfXdpInterface eth0 = AfXdpInterface.open("eth0", 0, umem, AfXdpOptions.defaults())) {
 *     AfXdpQueue port = eth0.queue(0);
 *     PacketBatch batch = port.newBatch(64);
 *     while (running) {
 *         int n = port.receive(batch);
 *         ...
 *         port.transmit(batch);
 *     }
 * }
 * }</pre>
 *
 * Frames are not split between the queues: a frame received on one queue may be sent on another,
 * and comes back to the pool that every queue refills its FILL ring from (see {@link AfXdpQueue}).
 *
 * <p>With {@link AfXdpOptions#withSteering steering}, only packets that a {@link SteeringRule} takes
 * reach the sockets; the host keeps the rest. A load balancer opens every RX queue and steers its
 * VIPs:
 *
 * <pre>{@code
 * AfXdpOptions options = AfXdpOptions.defaults().withSteering(true).withSteeringRules(vips.size());
 * AfXdpInterface eth0 = AfXdpInterface.open("eth0", AfXdpInterface.allQueues("eth0"), umemConfig, options);
 * for (Vip v : vips) {
 *     eth0.steer(SteeringRule.vip(v.address(), v.protocol(), v.port()));   // before or after attach
 * }
 * XdpProgramCounters xdp = XdpProgramCounters.allocate(countersFile, eth0.program(), "eth0");
 * ... xdp.update() once a second, off the data path
 * }</pre>
 *
 * <p>{@link #prepare} sets everything up but does not attach the program, so that a caller can warm
 * up its loop before traffic arrives; {@link #attach} then makes packets flow. The program is
 * attached through a bpf_link: it detaches when the process exits, even on {@code kill -9}.
 */
public final class AfXdpInterface implements AutoCloseable {
    private final String ifname;
    private final int ifindex;
    private final Umem umem;
    private final boolean ownsUmem;
    private final SharedFramePool pool;
    private final AfXdpQueue[] queues;
    private final XdpProgram program;
    private final AfXdpOptions options;
    private final FrameOwnership ownership;
    private final Arena arena;
    /** The namespace the interface was opened in: attaching and detaching must happen there. */
    private final NetNs.Handle home;
    private XdpAttachment attachment;
    private boolean closed;

    private AfXdpInterface(String ifname, int ifindex, Umem umem, boolean ownsUmem, SharedFramePool pool, AfXdpQueue[] queues,
                           XdpProgram program, AfXdpOptions options, FrameOwnership ownership, Arena arena) {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.umem = umem;
        this.ownsUmem = ownsUmem;
        this.pool = pool;
        this.queues = queues;
        this.program = program;
        this.options = options;
        this.ownership = ownership;
        this.arena = arena;
        this.home = NetNs.current();
    }

    /** Opens one queue and attaches: packets flow when this returns. */
    public static AfXdpInterface open(String ifname, int queue, Umem umem, AfXdpOptions options) {
        return open(ifname, new int[] {queue}, umem, options);
    }

    /** Opens several queues of one interface over one shared UMEM and attaches. */
    public static AfXdpInterface open(String ifname, int[] queues, Umem umem, AfXdpOptions options) {
        return attached(prepare(ifname, queues, umem, false, options));
    }

    /** Opens with a UMEM of its own, which it closes with the interface. */
    public static AfXdpInterface open(String ifname, int[] queues, UmemConfig umemConfig, AfXdpOptions options) {
        return attached(prepare(ifname, queues, Umem.allocate(umemConfig), true, options));
    }

    private static AfXdpInterface attached(AfXdpInterface prepared) {
        try {
            prepared.attach();
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        return prepared;
    }

    /** Sets up sockets and program without attaching; call {@link #attach} to let packets in. */
    public static AfXdpInterface prepare(String ifname, int[] queues, Umem umem, AfXdpOptions options) {
        return prepare(ifname, queues, umem, false, options);
    }

    /** As {@link #prepare(String, int[], Umem, AfXdpOptions)} with a UMEM the interface owns. */
    public static AfXdpInterface prepare(String ifname, int[] queues, UmemConfig umemConfig, AfXdpOptions options) {
        return prepare(ifname, queues, Umem.allocate(umemConfig), true, options);
    }

    private static AfXdpInterface prepare(String ifname, int[] queueIds, Umem umem, boolean ownsUmem, AfXdpOptions options) {
        List<AutoCloseable> undo = new ArrayList<>();
        if (ownsUmem) {
            undo.add(umem);
        }
        try {
            if (queueIds.length == 0) {
                throw new PortSetupException(Reason.INVALID_ARGUMENT, "no queue given for " + ifname);
            }
            int ifindex = LibC.ifNameToIndex(ifname);
            if (ifindex == 0) {
                throw new PortSetupException(Reason.UNKNOWN_INTERFACE, "no network interface named '" + ifname + "' (see 'ip link')");
            }
            checkPrivileges(ifname);
            Netlink.LinkInfo link = Netlink.link(ifindex);
            checkQueues(ifname, queueIds, RxQueues.inUse(ifname, link.rxQueues()));
            checkMemlock(umem);
            if (options.attachProgram() && link.hasXdpProgram()) {
                XdpAttachment.ProgramPresentException present = XdpAttachment.programPresent(ifname, link);
                throw new PortSetupException(Reason.XDP_PROGRAM_PRESENT, present.getMessage(), present);
            }
            int perQueue = umem.frameCount() / queueIds.length;
            if (perQueue < 2 * 64) {
                throw new PortSetupException(Reason.INVALID_ARGUMENT, "a UMEM of " + umem.frameCount() + " frames is too small for " + queueIds.length
                        + " queues: give each queue at least 128 frames");
            }
            Arena arena = Arena.ofShared();
            undo.add(arena::close);
            SharedFramePool pool = SharedFramePool.of(umem); // the queues record ownership themselves
            undo.add(pool);
            FrameOwnership ownership = options.trackFrames() ? new FrameOwnership(umem) : null;
            // Each queue's FILL share: what it asked for, at most half an even split of the UMEM. The
            // other half covers what the queue's cache may hold (less than its FILL share, see
            // AfXdpQueue.cacheBulk), so queues parked full never take another queue's last frames.
            int framesInFlight = Math.min(options.framesInFlight(), perQueue / 2);
            AfXdpQueue[] queues = new AfXdpQueue[queueIds.length];
            int[] fds = new int[queueIds.length];
            XskSocket owner = null;
            for (int i = 0; i < queueIds.length; i++) {
                XskSocket s = owner == null ? XskSocket.open(ifname, ifindex, queueIds[i], umem, options)
                        : owner.openSharingUmem(ifname, ifindex, queueIds[i], umem, options);
                undo.add(s);
                if (owner == null) {
                    owner = s;
                }
                fds[i] = s.fd;
                String queueName = "afxdp:" + ifname + "/" + queueIds[i];
                queues[i] = new AfXdpQueue(queueName, queueIds[i], s, pool, framesInFlight, ownership, arena,
                        PortCounters.allocate(options.counters(), queueName));
                undo.set(undo.size() - 1, queues[i]); // closing the queue closes its socket
                queues[i].prime();
            }
            XdpProgram program = null;
            if (options.attachProgram()) {
                int slots = Math.max(link.rxQueues(), Arrays.stream(queueIds).max().getAsInt() + 1);
                program = options.steering() ? XdpPrograms.steering(slots, options.steeringRules()) : XdpPrograms.redirectAll(slots);
                undo.add(program);
                for (int i = 0; i < queues.length; i++) {
                    program.registerSocket(queueIds[i], fds[i]);
                }
            }
            return new AfXdpInterface(ifname, ifindex, umem, ownsUmem, pool, queues, program, options, ownership, arena);
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

    private static void checkPrivileges(String ifname) {
        String missing = Privileges.missingForAfXdp();
        if (!missing.isEmpty()) {
            throw new PortSetupException(Reason.PRIVILEGE, "AF_XDP on " + ifname + " needs " + missing
                    + ": run as root or grant them (e.g. setcap cap_net_raw,cap_net_admin,cap_bpf,cap_perfmon,cap_ipc_lock+ep on the java binary)");
        }
    }

    /** {@code rxQueues}: the queues the interface uses now, which an AF_XDP bind checks against. */
    private static void checkQueues(String ifname, int[] queueIds, int rxQueues) {
        for (int q : queueIds) {
            if (q < 0 || q >= rxQueues) {
                throw new PortSetupException(Reason.QUEUE_OUT_OF_RANGE, "queue " + q + " is out of range: " + ifname + " has "
                        + rxQueues + " RX queue" + (rxQueues == 1 ? "" : "s"));
            }
        }
        if (Arrays.stream(queueIds).distinct().count() != queueIds.length) {
            throw new PortSetupException(Reason.INVALID_ARGUMENT, "queue list " + Arrays.toString(queueIds) + " names a queue twice");
        }
    }

    private static void checkMemlock(Umem umem) {
        if (Privileges.has(Privileges.CAP_IPC_LOCK)) {
            return;
        }
        long limit = LibC.memlockLimit();
        long needed = umem.byteSize();
        if (limit != Long.MAX_VALUE && needed > limit) {
            throw new PortSetupException(Reason.LOCKED_MEMORY, "the UMEM needs " + needed / 1024 + " KiB of locked memory but RLIMIT_MEMLOCK is "
                    + limit / 1024 + " KiB: raise it ('ulimit -l unlimited' or LimitMEMLOCK=infinity), grant CAP_IPC_LOCK, "
                    + "or use a UMEM of fewer frames");
        }
    }

    /** Attaches the XDP program: from now on, the queues' packets reach the sockets. */
    public void attach() {
        if (program == null || attachment != null) {
            return;
        }
        XdpMode mode = options.xdpMode();
        // Between prepare and attach another program may have appeared, or the interface vanished:
        // the user's to fix, like a driver or kernel without XDP.
        try (NetNs.Scope ignored = home.enter()) {
            attachment = XdpAttachment.attach(program, ifname, mode);
        } catch (XdpAttachment.ProgramPresentException e) {
            throw new PortSetupException(Reason.XDP_PROGRAM_PRESENT, e.getMessage(), e);
        } catch (XdpAttachment.RefusedException e) {
            throw new PortSetupException(Reason.XDP_UNSUPPORTED, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // XdpAttachment's only IllegalArgumentException: no interface of that name
            throw new PortSetupException(Reason.UNKNOWN_INTERFACE, e.getMessage(), e);
        }
    }

    /**
     * Adds a steering rule (steering program only): matching packets go to the sockets. Works
     * before and after {@link #attach}; a rule takes effect for the next frame. Returns false when
     * the rule was already there.
     *
     * <p>A rule's packets arrive on whichever RX queue the NIC's hashing picks, and a queue without
     * a socket hands them to the kernel: to receive all of a rule's packets, open every RX queue
     * ({@link #allQueues}).
     *
     * @throws IllegalStateException without steering, or when the program already holds
     *                               {@link AfXdpOptions#steeringRules()} rules
     */
    public boolean steer(SteeringRule rule) {
        ensureSteering();
        if (program.rules().size() >= options.steeringRules() && !program.rules().contains(rule)) {
            throw new IllegalStateException("cannot steer " + rule + " on " + ifname + ": its steering program holds at most "
                    + options.steeringRules() + " rule" + (options.steeringRules() == 1 ? "" : "s")
                    + " (AfXdpOptions.withSteeringRules)");
        }
        return program.addRule(rule);
    }

    /** Removes a steering rule: its packets go to the kernel again. False when it was not there. */
    public boolean unsteer(SteeringRule rule) {
        ensureSteering();
        return program.removeRule(rule);
    }

    private void ensureSteering() {
        if (program == null || !options.steering()) {
            throw new IllegalStateException("steering rules need AfXdpOptions.withSteering(true)");
        }
    }

    /**
     * The ids of every RX queue {@code ifname} uses, in the current network namespace,
     * {@code 0..n-1}: what to {@link #open} so that no queue hands steered packets to the kernel.
     * The count is the one the driver uses now (ethtool's channels), which may be below the number
     * it allocated (a veth allocates one per CPU and uses one).
     *
     * @throws PortSetupException when there is no such interface
     */
    public static int[] allQueues(String ifname) {
        int ifindex = LibC.ifNameToIndex(ifname);
        if (ifindex == 0) {
            throw new PortSetupException(Reason.UNKNOWN_INTERFACE, "no network interface named '" + ifname + "' (see 'ip link')");
        }
        int n = RxQueues.inUse(ifname, Netlink.link(ifindex).rxQueues());
        int[] ids = new int[n];
        Arrays.setAll(ids, i -> i);
        return ids;
    }

    public List<AfXdpQueue> queues() {
        return List.of(queues);
    }

    /** The {@code index}-th queue opened (not the queue id: see {@link AfXdpQueue#queueId()}). */
    public AfXdpQueue queue(int index) {
        return queues[index];
    }

    public int[] queueIds() {
        int[] ids = new int[queues.length];
        for (int i = 0; i < queues.length; i++) {
            ids[i] = queues[i].queueId();
        }
        return ids;
    }

    public String interfaceName() {
        return ifname;
    }

    public int interfaceIndex() {
        return ifindex;
    }

    public Umem umem() {
        return umem;
    }

    /** The free frames every queue draws on. */
    public SharedFramePool pool() {
        return pool;
    }

    /** "zero-copy" or "copy": what the kernel granted. */
    public String copyMode() {
        return queues[0].zeroCopy() ? "zero-copy" : "copy";
    }

    /** "native", "generic" or "none" (not attached). */
    public String xdpMode() {
        return attachment == null ? "none" : attachment.mode().toString();
    }

    public XdpProgram program() {
        return program;
    }

    /** Frame ownership record when {@link AfXdpOptions#trackFrames()} is on, else null. */
    public FrameOwnership ownership() {
        return ownership;
    }

    /**
     * Where every frame of the UMEM is: free in the shared pool (its ring and the queues' caches),
     * posted to FILL, held by the application, or in TX. Exact when no queue is in a burst.
     */
    public FrameCounts frameCounts() {
        return FrameCounts.sharedPool(pool.available(), queues);
    }

    /** The kernel's XDP_STATISTICS summed over the queues (syscalls; off the data path). */
    public XskStatistics statistics() {
        XskStatistics total = XskStatistics.ZERO;
        for (AfXdpQueue q : queues) {
            total = total.plus(q.statistics());
        }
        return total;
    }

    /** Sum of the queues' counters (allocates; off the data path). */
    public PortCounters counters() {
        PortCounters total = new PortCounters();
        for (AfXdpQueue q : queues) {
            total.addAll(q.counters());
        }
        return total;
    }

    /** Waits for in-flight transmissions to complete on every queue (call with the queues' threads stopped). */
    public void drainTx(long timeoutMillis) {
        for (AfXdpQueue q : queues) {
            q.drainTx(timeoutMillis);
        }
    }

    /** Detaches the program, closes the sockets, and the UMEM if the interface owns it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (attachment != null) {
            try (NetNs.Scope ignored = home.enter()) {
                attachment.close();
            }
        }
        home.close();
        if (program != null) {
            program.close();
        }
        for (AfXdpQueue q : queues) {
            q.close();
        }
        arena.close();
        pool.close();
        if (ownsUmem) {
            umem.close();
        }
    }

    @Override
    public String toString() {
        return "afxdp:" + ifname + "/" + Arrays.toString(queueIds()).replaceAll("[\\[\\] ]", "");
    }
}
