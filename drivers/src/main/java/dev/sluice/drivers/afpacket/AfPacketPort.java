package dev.sluice.drivers.afpacket;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.Netlink;
import dev.sluice.umem.FramePool;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.MemorySegment;

import static dev.sluice.sys.TpacketDescriptor.TX_DATA_OFFSET;

/**
 * AF_PACKET with TPACKET_V3 memory-mapped rings on one interface: the fallback for hosts or
 * interfaces where AF_XDP cannot be set up (old kernel, no CAP_BPF, a driver without XDP). It
 * needs only CAP_NET_RAW and works on every interface, at a fraction of AF_XDP's speed.
 *
 * <pre>{@code
 * try (AfPacketPort port = AfPacketPort.open("eth0", AfPacketOptions.defaults())) {
 *     PacketBatch batch = port.newBatch(64);
 *     while (running) {
 *         int n = port.receive(batch);
 *         ...
 *         port.transmit(batch);
 *     }
 * }
 * }</pre>
 *
 * <h2>Why received packets are copied into the port's own frames</h2>
 * AF_PACKET cannot receive into a UMEM: the kernel copies every packet into its RX ring. Two ways
 * to hand them on were possible: flyweights pointing into the ring blocks (no second copy), or a
 * copy into frames of the port's own {@link Umem} (what this port does), because:
 * <ul>
 *   <li>a block can only go back to the kernel when every one of its (often hundreds of) packets
 *       has been released, so one packet kept by a handler would freeze the whole ring and the
 *       kernel would drop everything behind it; with a copy, each block is returned as soon as it
 *       is read, and what the application holds is bounded by its own pool;</li>
 *   <li>records in a block are packed back to back: a handler that grows a packet in place (a
 *       tunnel header, a VLAN tag) would overwrite the next packet. A frame has room for that
 *       ({@code frameSize} bytes, data at {@link UmemConfig#KERNEL_HEADROOM}), exactly like an
 *       AF_XDP frame, so handlers behave the same on both drivers;</li>
 *   <li>the copy (one memcpy of the packet's bytes into a cache-warm frame, LIFO pool) is small
 *       next to what AF_PACKET already costs per packet in the kernel (an skb, a copy into the
 *       ring, the block bookkeeping); not yet measured against the flyweight variant: a JMH pair
 *       would settle it. The TX ring needs a copy anyway, being a region of its own that the
 *       kernel sends from.</li>
 * </ul>
 * So: RX = kernel copy + one copy into a frame; TX = one copy from the frame into a TX ring frame.
 *
 * <h2>Accounting</h2>
 * Three budgets, each exact at every burst boundary (see {@link AfPacketFrameCounts}): pool frames
 * (free or held by the application), RX blocks (kernel, ready, or the one being read) and TX frames
 * (free or in flight). A pool frame is never in the kernel's hands, so no frame can leak there.
 *
 * <p>Data-path methods allocate nothing, take no locks and never throw; one thread drives the port.
 * Batches must come from {@link #newBatch} of this port (their addresses are offsets into its
 * frames).
 */
public final class AfPacketPort implements Port {
    /** Ethernet header: a TX packet shorter than this is malformed, and dropped before the kernel sees it. */
    static final int MIN_TX_LENGTH = 14;
    private static final int ETH_HEADER_AND_VLAN = 14 + 4;

    private final String name;
    private final String ifname;
    private final int ifindex;
    private final AfPacketOptions options;
    private final AfPacketSocket socket;
    private final int fd;
    private final Umem umem;
    private final MemorySegment frames;
    private final FramePool pool;
    private final long frameMask;
    private final int dataOffset;
    private final int frameCapacity;
    private final TpacketRxRing rx;
    private final TpacketTxRing tx;
    private final MemorySegment ring;
    private final MemorySegment errno;
    private final MemorySegment pollIn;
    private final PortCounters counters;

    /** Frames held by the application: received or allocated, not yet transmitted or released. */
    private int inApp;
    /** Received packets that did not fit a frame (or were truncated by the kernel): dropped. */
    private long rxOversize;
    /** Packets given to transmit that no frame could carry (shorter than 14 bytes, longer than the MTU). */
    private long txInvalid;
    private boolean closed;

    private AfPacketPort(String ifname, int ifindex, AfPacketOptions options, AfPacketSocket socket, Umem umem, int maxTxLength,
                         PortCounters counters) {
        this.counters = counters;
        this.name = "afpacket:" + ifname;
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.options = options;
        this.socket = socket;
        this.fd = socket.fd;
        this.umem = umem;
        this.frames = umem.segment();
        this.pool = FramePool.ofFrames(umem, 0, umem.frameCount());
        this.frameMask = ~((long) umem.frameSize() - 1);
        this.dataOffset = UmemConfig.KERNEL_HEADROOM + umem.headroom();
        this.frameCapacity = umem.frameSize() - dataOffset;
        this.ring = socket.mapping;
        this.rx = new TpacketRxRing(ring, options.blockSize(), options.blockCount());
        this.tx = new TpacketTxRing(ring, socket.rxBytes, options.txFrames(), options.frameSize(), maxTxLength);
        this.errno = socket.newErrnoState();
        this.pollIn = socket.newPollFd(LibC.POLLIN);
    }

    /**
     * Opens an AF_PACKET port on {@code ifname} (in the calling thread's network namespace): packets
     * flow when this returns.
     *
     * @throws PortSetupException for what the user can fix: unknown interface, missing CAP_NET_RAW,
     *                            rings too large for the memory, a fanout group of another shape
     */
    public static AfPacketPort open(String ifname, AfPacketOptions options) {
        return open(ifname, options, CounterAllocator.inMemory());
    }

    /**
     * As {@link #open(String, AfPacketOptions)}, with the port's counters from {@code counters}
     * (e.g. a counters file, so that {@code sluice stat} shows them).
     */
    public static AfPacketPort open(String ifname, AfPacketOptions options, CounterAllocator counters) {
        if (ifname == null || ifname.isEmpty()) {
            throw new PortSetupException(Reason.UNKNOWN_INTERFACE, "no network interface given");
        }
        int ifindex = LibC.ifNameToIndex(ifname);
        if (ifindex == 0) {
            throw new PortSetupException(Reason.UNKNOWN_INTERFACE, "no network interface named '" + ifname + "' (see 'ip link')");
        }
        Netlink.LinkInfo link = Netlink.link(ifindex);
        // The kernel refuses TX packets over MTU + link header (+ a VLAN tag); refuse them first, counted.
        int maxTx = Math.min(options.frameSize() - TX_DATA_OFFSET, link.mtu() + ETH_HEADER_AND_VLAN);
        Umem umem = Umem.allocate(new UmemConfig(options.poolFrames(), options.frameSize(), 0, false));
        try {
            AfPacketSocket socket = AfPacketSocket.open(ifname, ifindex, options);
            return new AfPacketPort(ifname, ifindex, options, socket, umem, maxTx,
                    PortCounters.allocate(counters, "afpacket:" + ifname));
        } catch (RuntimeException e) {
            umem.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    public String interfaceName() {
        return ifname;
    }

    public int interfaceIndex() {
        return ifindex;
    }

    public AfPacketOptions options() {
        return options;
    }

    /** The port's frame memory (packets received or allocated live here). */
    public Umem umem() {
        return umem;
    }

    @Override
    public PacketBatch newBatch(int capacity) {
        return new PacketBatch(umem, capacity);
    }

    // ------------------------------------------------------------------ receive

    @Override
    public int receive(PacketBatch batch) {
        int room = batch.remaining();
        TpacketRxRing r = rx;
        FramePool p = pool;
        MemorySegment src = ring;
        MemorySegment dst = frames;
        int offset = dataOffset;
        int capacity = frameCapacity;
        int n = 0;
        long bytes = 0;
        while (n < room && r.hasRecord()) {
            if (p.available() == 0) {
                // The application holds every frame: leave the packets in the ring for later.
                counters.add(PortCounters.FILL_STARVED, 1);
                break;
            }
            int length = r.snapLength();
            if (length > capacity || length != r.wireLength()) {
                rxOversize++;
            } else {
                long frame = p.allocate();
                MemorySegment.copy(src, r.packetOffset(), dst, frame + offset, length);
                batch.add(frame + offset, length);
                n++;
                bytes += length;
            }
            r.advance();
        }
        if (n > 0) {
            inApp += n;
            counters.add(PortCounters.RX_PACKETS, n);
            counters.add(PortCounters.RX_BYTES, bytes);
        }
        return n;
    }

    /**
     * Waits up to {@code timeoutMillis} for received packets (poll(2) on the socket), for idle
     * loops that should not spin. Returns true when a block is ready. Allocates nothing.
     */
    public boolean awaitReceive(int timeoutMillis) {
        if (rx.hasRecord()) {
            return true;
        }
        return LibC.poll(pollIn, 1, timeoutMillis, errno) > 0;
    }

    // ------------------------------------------------------------------ transmit

    @Override
    public int transmit(PacketBatch batch) {
        int count = batch.count();
        TpacketTxRing t = tx;
        if (count == 0) {
            // An idle burst: finish what an earlier kick left (EAGAIN with a full send buffer).
            if (t.inFlight() > 0) {
                t.reclaim();
                if (t.requestPending()) {
                    kick();
                }
            }
            return 0;
        }
        t.reclaim();
        FramePool p = pool;
        MemorySegment src = frames;
        long mask = frameMask;
        int max = t.maxLength();
        int sent = 0;
        int invalid = 0;
        int full = 0;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            long address = batch.address(i);
            int length = batch.length(i);
            if (length < MIN_TX_LENGTH || length > max) {
                invalid++;
            } else if (t.free() > 0 || makeRoom(t)) {
                t.copyIn(src, address, length);
                sent++;
                bytes += length;
            } else {
                full++;
            }
            p.free(address & mask); // copied (or dropped): the frame is free again either way
        }
        inApp -= count;
        batch.clear();
        if (sent > 0) {
            kick();
            counters.add(PortCounters.TX_PACKETS, sent);
            counters.add(PortCounters.TX_BYTES, bytes);
        }
        if (invalid > 0) {
            txInvalid += invalid;
            counters.add(PortCounters.DROPPED, invalid);
        }
        if (full > 0) {
            counters.add(PortCounters.TX_RING_FULL, full);
        }
        return sent;
    }

    /** The TX ring is full: make the kernel send what it holds, then take back what it finished. */
    private boolean makeRoom(TpacketTxRing t) {
        kick();
        return t.reclaim() > 0;
    }

    /**
     * {@code sendto(fd, NULL, 0, MSG_DONTWAIT)}: the kernel sends every SEND_REQUEST frame from its
     * position on. EAGAIN/ENOBUFS (socket send buffer full) and EBUSY are transient and counted; the
     * frames stay requested and go with the next kick. Anything else (ENETDOWN, ENXIO) is an error.
     */
    private void kick() {
        counters.add(PortCounters.KICKS, 1);
        if (LibC.kickTx(fd, errno) < 0) {
            int e = LibC.errno(errno);
            if (e == Errno.EAGAIN || e == Errno.ENOBUFS || e == Errno.EBUSY) {
                counters.add(PortCounters.KICKS_BUSY, 1);
            } else {
                counters.add(PortCounters.KICK_ERRORS, 1);
            }
        }
    }

    @Override
    public int allocate(PacketBatch batch, int count, int length) {
        FramePool p = pool;
        int n = Math.min(Math.min(count, batch.remaining()), p.available());
        int offset = dataOffset;
        for (int i = 0; i < n; i++) {
            batch.add(p.allocate() + offset, length);
        }
        inApp += n;
        return n;
    }

    @Override
    public void release(PacketBatch batch) {
        int count = batch.count();
        FramePool p = pool;
        long mask = frameMask;
        for (int i = 0; i < count; i++) {
            p.free(batch.address(i) & mask);
        }
        inApp -= count;
        counters.add(PortCounters.DROPPED, count);
        batch.clear();
    }

    /**
     * Kicks and reclaims until every TX frame is back or {@code timeoutMillis} passed (off the data
     * path: before closing, or to check accounting).
     */
    public void drainTx(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        TpacketTxRing t = tx;
        t.reclaim();
        while (t.inFlight() > 0 && System.nanoTime() < deadline) {
            if (t.requestPending()) {
                kick();
            }
            if (t.reclaim() == 0) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public PortCounters counters() {
        return counters;
    }

    /** Received packets dropped because they did not fit a frame, or arrived truncated. */
    public long rxOversize() {
        return rxOversize;
    }

    /** Packets given to {@link #transmit} that were dropped as malformed (under 14 bytes or over the MTU). */
    public long txInvalid() {
        return txInvalid;
    }

    /** The longest packet {@link #transmit} accepts: the frame size less its header, capped by the MTU. */
    public int maxTxLength() {
        return tx.maxLength();
    }

    /** The largest received packet a frame can hold; longer ones are dropped and counted. */
    public int maxRxLength() {
        return frameCapacity;
    }

    /** The kernel's counters for this socket (a syscall; off the data path). */
    public AfPacketStatistics statistics() {
        return socket.statistics();
    }

    /**
     * Where every pool frame, RX block and TX frame is (reads the ring; call from the data-path
     * thread, or after it stopped).
     */
    public AfPacketFrameCounts frameCounts() {
        int[] blocks = rx.blockOwners();
        int poolFree = pool.available();
        return new AfPacketFrameCounts(umem.frameCount(), poolFree, inApp,
                rx.blockCount(), blocks[0], blocks[1], blocks[2], blocks[3],
                tx.frames(), tx.free(), tx.inFlight());
    }

    /** Closes the socket (the kernel drops its rings and promiscuous mode) and frees the frames. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        umem.close();
    }
}
