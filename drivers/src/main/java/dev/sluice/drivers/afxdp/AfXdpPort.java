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
import dev.sluice.umem.FramePool;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * AF_XDP on one interface: one socket per queue, all sharing one UMEM, and the XDP program that
 * steers each queue's packets to its socket.
 *
 * <pre>{@code
 * try (Umem umem = Umem.allocate(UmemConfig.defaults());
 *      AfXdpPort port = AfXdpPort.open("eth0", 0, umem, AfXdpOptions.defaults())) {
 *     PacketBatch batch = port.newBatch(64);
 *     while (running) {
 *         int n = port.receive(batch);
 *         ...
 *         port.transmit(batch);
 *     }
 * }
 * }</pre>
 *
 * The UMEM's frames are split evenly between the queues; each {@link XskQueue} is a {@link Port}
 * of its own that one worker drives. Used as a whole, this port receives round-robin from its
 * queues and transmits on the first one.
 *
 * <p>{@link #prepare} sets everything up but does not attach the program, so that a caller can warm
 * up its loop before traffic arrives; {@link #attach} then makes packets flow. The program is
 * attached through a bpf_link: it detaches when the process exits, even on {@code kill -9}.
 */
public final class AfXdpPort implements Port {
    private final String ifname;
    private final int ifindex;
    private final Umem umem;
    private final boolean ownsUmem;
    private final XskQueue[] queues;
    private final XdpProgram program;
    private final AfXdpOptions options;
    private final FrameOwnership ownership;
    private final Arena arena;
    private final String name;
    /** The namespace the port was opened in: attaching and detaching must happen there. */
    private final NetNs.Handle home;
    private XdpAttachment attachment;
    private int next;
    private boolean closed;

    private AfXdpPort(String ifname, int ifindex, Umem umem, boolean ownsUmem, XskQueue[] queues, XdpProgram program,
                      AfXdpOptions options, FrameOwnership ownership, Arena arena) {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.umem = umem;
        this.ownsUmem = ownsUmem;
        this.queues = queues;
        this.program = program;
        this.options = options;
        this.ownership = ownership;
        this.arena = arena;
        this.home = NetNs.current();
        this.name = "afxdp:" + ifname + "/" + Arrays.toString(queueIds()).replaceAll("[\\[\\] ]", "");
    }

    /** Opens and attaches: packets flow when this returns. */
    public static AfXdpPort open(String ifname, int queue, Umem umem, AfXdpOptions options) {
        return open(ifname, new int[] {queue}, umem, options);
    }

    /** Opens several queues of one interface over one shared UMEM and attaches. */
    public static AfXdpPort open(String ifname, int[] queues, Umem umem, AfXdpOptions options) {
        AfXdpPort port = prepare(ifname, queues, umem, options);
        try {
            port.attach();
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
        return port;
    }

    /** Opens with a UMEM of its own, which it closes with the port. */
    public static AfXdpPort open(String ifname, int[] queues, UmemConfig umemConfig, AfXdpOptions options) {
        return open(ifname, queues, allocate(umemConfig), true, options);
    }

    private static AfXdpPort open(String ifname, int[] queues, Umem umem, boolean owns, AfXdpOptions options) {
        AfXdpPort port = prepare(ifname, queues, umem, owns, options);
        try {
            port.attach();
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
        return port;
    }

    /** Sets up sockets and program without attaching; call {@link #attach} to let packets in. */
    public static AfXdpPort prepare(String ifname, int[] queues, Umem umem, AfXdpOptions options) {
        return prepare(ifname, queues, umem, false, options);
    }

    /** As {@link #prepare(String, int[], Umem, AfXdpOptions)} with a UMEM the port owns. */
    public static AfXdpPort prepare(String ifname, int[] queues, UmemConfig umemConfig, AfXdpOptions options) {
        return prepare(ifname, queues, allocate(umemConfig), true, options);
    }

    private static Umem allocate(UmemConfig config) {
        return Umem.allocate(config);
    }

    private static AfXdpPort prepare(String ifname, int[] queueIds, Umem umem, boolean ownsUmem, AfXdpOptions options) {
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
            checkQueues(ifname, queueIds, link);
            checkMemlock(umem, options, queueIds.length);
            if (options.attachProgram() && link.hasXdpProgram()) {
                throw new PortSetupException(Reason.XDP_PROGRAM_PRESENT, "interface " + ifname + " already has an XDP program attached (id "
                        + link.xdpProgId() + ", " + link.xdpModeName() + " mode): detach it with 'ip link set dev " + ifname
                        + (link.xdpAttached() == Netlink.XDP_ATTACHED_SKB ? " xdpgeneric" : " xdp")
                        + " off', or stop the program that owns it");
            }
            int perQueue = umem.frameCount() / queueIds.length;
            if (perQueue < 2 * 64) {
                throw new PortSetupException(Reason.INVALID_ARGUMENT, "a UMEM of " + umem.frameCount() + " frames is too small for " + queueIds.length
                        + " queues: give each queue at least 128 frames");
            }
            Arena arena = Arena.ofShared();
            undo.add(arena::close);
            FrameOwnership ownership = options.trackFrames() ? new FrameOwnership(umem) : null;
            XskQueue[] queues = new XskQueue[queueIds.length];
            int ownerFd = -1;
            for (int i = 0; i < queueIds.length; i++) {
                XskSocket s = XskSocket.open(ifname, ifindex, queueIds[i], umem, ownerFd, options);
                undo.add(s);
                if (ownerFd < 0) {
                    ownerFd = s.fd;
                }
                FramePool pool = FramePool.ofFrames(umem, i * perQueue, perQueue);
                String queueName = "afxdp:" + ifname + "/" + queueIds[i];
                queues[i] = new XskQueue(queueName, queueIds[i], s, s.fd, s.rings, pool, umem.segment(), umem.frameSize(),
                        umem.headroom(), options.framesInFlight(), ownership, arena,
                        PortCounters.allocate(options.counters(), queueName));
                queues[i].prime();
            }
            XdpProgram program = null;
            if (options.attachProgram()) {
                int slots = Math.max(link.rxQueues(), Arrays.stream(queueIds).max().getAsInt() + 1);
                program = options.steering() ? XdpPrograms.steering(slots, 1024) : XdpPrograms.redirectAll(slots);
                undo.add(program);
                for (XskQueue q : queues) {
                    program.registerSocket(q.queueId(), q.fd());
                }
            }
            return new AfXdpPort(ifname, ifindex, umem, ownsUmem, queues, program, options, ownership, arena);
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
                    + ": run as root or grant them (e.g. setcap cap_net_raw,cap_net_admin,cap_bpf,cap_ipc_lock+ep on the java binary)");
        }
    }

    private static void checkQueues(String ifname, int[] queueIds, Netlink.LinkInfo link) {
        for (int q : queueIds) {
            if (q < 0 || q >= link.rxQueues()) {
                throw new PortSetupException(Reason.QUEUE_OUT_OF_RANGE, "queue " + q + " is out of range: " + ifname + " has " + link.rxQueues()
                        + " RX queue" + (link.rxQueues() == 1 ? " (use --queue 0)" : "s (valid: 0.." + (link.rxQueues() - 1) + ")"));
            }
        }
        if (Arrays.stream(queueIds).distinct().count() != queueIds.length) {
            throw new PortSetupException(Reason.INVALID_ARGUMENT, "queue list " + Arrays.toString(queueIds) + " names a queue twice");
        }
    }

    private static void checkMemlock(Umem umem, AfXdpOptions options, int sockets) {
        if (Privileges.has(Privileges.CAP_IPC_LOCK)) {
            return;
        }
        long limit = LibC.memlockLimit();
        long needed = umem.byteSize();
        if (limit != Long.MAX_VALUE && needed > limit) {
            throw new PortSetupException(Reason.LOCKED_MEMORY, "the UMEM needs " + needed / 1024 + " KiB of locked memory but RLIMIT_MEMLOCK is "
                    + limit / 1024 + " KiB: raise it ('ulimit -l unlimited' or LimitMEMLOCK=infinity), grant CAP_IPC_LOCK, "
                    + "or use fewer frames (--frames)");
        }
    }

    /** Attaches the XDP program: from now on, the queues' packets reach the sockets. */
    public void attach() {
        if (program == null || attachment != null) {
            return;
        }
        XdpMode mode = switch (options.xdpMode()) {
            case AUTO -> XdpMode.AUTO;
            case NATIVE -> XdpMode.NATIVE;
            case GENERIC -> XdpMode.GENERIC;
        };
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

    /** Adds a steering rule (steering program only): matching packets go to the sockets. */
    public void steer(SteeringRule rule) {
        if (program == null || !options.steering()) {
            throw new IllegalStateException("steering rules need AfXdpOptions.withSteering(true)");
        }
        program.addRule(rule);
    }

    public List<XskQueue> queues() {
        return List.of(queues);
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

    public FrameCounts frameCounts() {
        FrameCounts total = new FrameCounts(0, 0, 0, 0);
        for (XskQueue q : queues) {
            total = total.plus(q.frameCounts());
        }
        return total;
    }

    public XskStatistics statistics() {
        XskStatistics total = XskStatistics.ZERO;
        for (XskQueue q : queues) {
            total = total.plus(q.statistics());
        }
        return total;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PacketBatch newBatch(int capacity) {
        return new PacketBatch(umem.segment(), capacity);
    }

    @Override
    public int receive(PacketBatch batch) {
        XskQueue[] qs = queues;
        int total = 0;
        for (int k = 0; k < qs.length && batch.remaining() > 0; k++) {
            int i = next;
            next = i + 1 == qs.length ? 0 : i + 1;
            total += qs[i].receive(batch);
        }
        return total;
    }

    @Override
    public int transmit(PacketBatch batch) {
        return queues[0].transmit(batch);
    }

    @Override
    public int allocate(PacketBatch batch, int count, int length) {
        return queues[0].allocate(batch, count, length);
    }

    @Override
    public void release(PacketBatch batch) {
        queues[0].release(batch);
    }

    /** Sum of the queues' counters (allocates; off the data path). */
    @Override
    public PortCounters counters() {
        PortCounters total = new PortCounters();
        for (XskQueue q : queues) {
            total.addAll(q.counters());
        }
        return total;
    }

    /** Waits for in-flight transmissions to complete on every queue. */
    public void drainTx(long timeoutMillis) {
        for (XskQueue q : queues) {
            q.drainTx(timeoutMillis);
        }
    }

    /** Detaches the program, closes the sockets, and the UMEM if the port owns it. */
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
        for (XskQueue q : queues) {
            q.close();
        }
        arena.close();
        if (ownsUmem) {
            umem.close();
        }
    }
}
