package dev.sluice.drivers.afxdp;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.ring.XskConsumerRing;
import dev.sluice.ring.XskProducerRing;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.FramePool;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The data path of one AF_XDP socket: receive from RX, post free frames to FILL, send through TX,
 * take sent frames back from COMPLETION. One thread drives it. Every frame of its pool is counted
 * in exactly one place: {@code pool + inFill + inApp + inTx} stays equal to the frames it was given
 * plus those that migrated in from other queues sharing the UMEM.
 *
 * <p>Hot-path rules: no allocation, no locks, no exceptions; ring state is copied into locals; one
 * acquire load and one release store per ring per burst; a syscall only when the kernel asks for
 * one (need_wakeup) or, in copy mode, to make it transmit.
 */
public final class XskQueue implements Port {
    /** Copy-mode TX transmits at most this many descriptors per sendto (the kernel's default budget). */
    static final int TX_BUDGET_PER_KICK = 32;
    /** Refill FILL in bursts of at least this many frames: one release store for many frames. */
    private static final int FILL_BATCH = 16;
    private static final int COMPLETION_BATCH = 256;

    private final String name;
    private final int queueId;
    private final int fd;
    private final MemorySegment errno;
    private final XskProducerRing fill;
    private final XskConsumerRing completion;
    private final XskConsumerRing rx;
    private final XskProducerRing tx;
    private final FramePool pool;
    private final MemorySegment umem;
    private final long frameMask;
    private final int framesInFlight;
    private final FrameOwnership ownership;
    private final PortCounters counters;
    private final XskSocket socket;
    private final boolean zeroCopy;
    /** Where packet data starts in a frame we fill ourselves: the same place the kernel puts RX data. */
    private final int dataOffset;

    private int inFill;
    private int inApp;
    private int inTx;

    XskQueue(String name, int queueId, XskSocket socket, int fd, XskRings rings, FramePool pool, MemorySegment umem,
             int frameSize, int headroom, int framesInFlight, FrameOwnership ownership, Arena arena) {
        this(name, queueId, socket, fd, rings, pool, umem, frameSize, headroom, framesInFlight, ownership, arena,
                new PortCounters());
    }

    XskQueue(String name, int queueId, XskSocket socket, int fd, XskRings rings, FramePool pool, MemorySegment umem,
             int frameSize, int headroom, int framesInFlight, FrameOwnership ownership, Arena arena, PortCounters counters) {
        this.counters = counters;
        this.name = name;
        this.queueId = queueId;
        this.socket = socket;
        this.fd = fd;
        this.errno = LibC.newErrnoState(arena);
        this.fill = rings.fill();
        this.completion = rings.completion();
        this.rx = rings.rx();
        this.tx = rings.tx();
        this.pool = pool;
        this.umem = umem;
        this.frameMask = ~((long) frameSize - 1);
        this.framesInFlight = Math.min(framesInFlight, rings.fill().size());
        this.ownership = ownership;
        this.zeroCopy = socket != null && socket.zeroCopy;
        this.dataOffset = UmemConfig.KERNEL_HEADROOM + headroom;
    }

    @Override
    public String name() {
        return name;
    }

    public int queueId() {
        return queueId;
    }

    public boolean zeroCopy() {
        return zeroCopy;
    }

    @Override
    public PacketBatch newBatch(int capacity) {
        return new PacketBatch(umem, capacity);
    }

    // ------------------------------------------------------------------ receive

    @Override
    public int receive(PacketBatch batch) {
        refill();
        int n = rx.peek(batch.remaining());
        if (n == 0) {
            return 0;
        }
        int first = rx.consumedIndex();
        long bytes = 0;
        FrameOwnership own = ownership;
        for (int i = 0; i < n; i++) {
            long addr = rx.address(first + i);
            int len = rx.length(first + i);
            batch.add(addr, len);
            bytes += len;
            if (own != null) {
                own.move(addr, FrameOwnership.FILL, FrameOwnership.APP);
            }
        }
        rx.releaseRelease(n);
        inFill -= n;
        inApp += n;
        counters.add(PortCounters.RX_PACKETS, n);
        counters.add(PortCounters.RX_BYTES, bytes);
        return n;
    }

    /**
     * Posts the first frames to FILL. Called before the XDP program is attached, so that the very
     * first packets find frames to land in (otherwise the kernel drops them as "fill ring empty").
     */
    void prime() {
        refill();
    }

    /** Tops FILL up to {@code framesInFlight} frames, in bursts, and wakes the kernel if it asks. */
    private void refill() {
        int want = framesInFlight - inFill;
        if (want >= FILL_BATCH) {
            int have = pool.available();
            if (have < want) {
                reclaimCompleted();
                have = pool.available();
                if (have == 0) {
                    counters.add(PortCounters.FILL_STARVED, 1);
                }
            }
            int n = fill.reserve(Math.min(want, have));
            if (n > 0) {
                int first = fill.reservedIndex();
                FrameOwnership own = ownership;
                for (int i = 0; i < n; i++) {
                    long frame = pool.allocate();
                    fill.putAddress(first + i, frame);
                    if (own != null) {
                        own.move(frame, FrameOwnership.POOL, FrameOwnership.FILL);
                    }
                }
                fill.submitRelease(n);
                inFill += n;
            }
        }
        if (fill.needsWakeup()) {
            counters.add(PortCounters.KICKS, 1);
            LibC.kickRx(fd, errno);
        }
    }

    // ------------------------------------------------------------------ transmit

    @Override
    public int transmit(PacketBatch batch) {
        int count = batch.count();
        if (count == 0) {
            if (inTx > 0) {
                reclaimCompleted();
                kickTx();
            }
            return 0;
        }
        reclaimCompleted();
        int sent = enqueueTx(batch, 0, count);
        if (sent < count) {
            // TX ring full: make the kernel drain it once, then try the rest again.
            kickTx();
            reclaimCompleted();
            sent += enqueueTx(batch, sent, count - sent);
            if (sent < count) {
                dropUnsent(batch, sent, count);
            }
        }
        inApp -= count;
        batch.clear();
        kickTx();
        return sent;
    }

    private int enqueueTx(PacketBatch batch, int from, int count) {
        int n = tx.reserve(count);
        if (n == 0) {
            return 0;
        }
        int first = tx.reservedIndex();
        long bytes = 0;
        FrameOwnership own = ownership;
        for (int i = 0; i < n; i++) {
            long addr = batch.address(from + i);
            int len = batch.length(from + i);
            tx.putDescriptor(first + i, addr, len, 0);
            bytes += len;
            if (own != null) {
                own.move(addr, FrameOwnership.APP, FrameOwnership.TX);
            }
        }
        tx.submitRelease(n);
        inTx += n;
        counters.add(PortCounters.TX_PACKETS, n);
        counters.add(PortCounters.TX_BYTES, bytes);
        return n;
    }

    private void dropUnsent(PacketBatch batch, int from, int count) {
        FrameOwnership own = ownership;
        for (int i = from; i < count; i++) {
            long addr = batch.address(i);
            pool.free(addr & frameMask);
            if (own != null) {
                own.move(addr, FrameOwnership.APP, FrameOwnership.POOL);
            }
        }
        counters.add(PortCounters.TX_RING_FULL, count - from);
    }

    /**
     * Asks the kernel to transmit. In copy mode one sendto sends at most 32 descriptors and answers
     * EAGAIN while more are pending, so kick once per 32 pending entries; EAGAIN, EBUSY and ENOBUFS
     * are transient and counted, anything else (ENETDOWN, ENXIO) is counted as an error.
     */
    private void kickTx() {
        if (!tx.needsWakeup()) {
            return;
        }
        int pending = tx.size() - tx.freeAcquire();
        // One sendto per 32 pending descriptors, at least one: a kick more costs a syscall for nothing.
        int kicks = Math.max(1, (pending + TX_BUDGET_PER_KICK - 1) / TX_BUDGET_PER_KICK);
        for (int k = 0; k < kicks; k++) {
            counters.add(PortCounters.KICKS, 1);
            if (LibC.kickTx(fd, errno) < 0) {
                int e = LibC.errno(errno);
                if (e == Errno.EAGAIN || e == Errno.EBUSY || e == Errno.ENOBUFS) {
                    counters.add(PortCounters.KICKS_BUSY, 1);
                } else {
                    counters.add(PortCounters.KICK_ERRORS, 1);
                    return;
                }
            }
        }
    }

    /** Takes sent frames back from COMPLETION into the pool. */
    private void reclaimCompleted() {
        int n = completion.peek(COMPLETION_BATCH);
        if (n == 0) {
            return;
        }
        int first = completion.consumedIndex();
        FrameOwnership own = ownership;
        for (int i = 0; i < n; i++) {
            long addr = completion.address(first + i);
            pool.free(addr & frameMask);
            if (own != null) {
                own.move(addr, FrameOwnership.TX, FrameOwnership.POOL);
            }
        }
        completion.releaseRelease(n);
        inTx -= n;
    }

    @Override
    public int allocate(PacketBatch batch, int count, int length) {
        int n = Math.min(count, batch.remaining());
        if (pool.available() < n) {
            reclaimCompleted();
        }
        n = Math.min(n, pool.available());
        int offset = dataOffset;
        FrameOwnership own = ownership;
        for (int i = 0; i < n; i++) {
            long frame = pool.allocate();
            if (own != null) {
                own.move(frame, FrameOwnership.POOL, FrameOwnership.APP);
            }
            batch.add(frame + offset, length);
        }
        inApp += n;
        return n;
    }

    @Override
    public void release(PacketBatch batch) {
        int count = batch.count();
        FrameOwnership own = ownership;
        for (int i = 0; i < count; i++) {
            long addr = batch.address(i);
            pool.free(addr & frameMask);
            if (own != null) {
                own.move(addr, FrameOwnership.APP, FrameOwnership.POOL);
            }
        }
        inApp -= count;
        counters.add(PortCounters.DROPPED, count);
        batch.clear();
    }

    /**
     * Waits up to {@code timeoutMillis} for pending transmissions to complete (off the data path,
     * e.g. before closing or when asserting frame counts).
     */
    public void drainTx(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (inTx > 0 && System.nanoTime() < deadline) {
            kickTx();
            reclaimCompleted();
            if (inTx > 0) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public PortCounters counters() {
        return counters;
    }

    /** Kernel-side counters (a syscall; off the data path). */
    public XskStatistics statistics() {
        return socket == null ? XskStatistics.ZERO : socket.statistics();
    }

    /** Frames by owner, as this queue counts them. */
    public FrameCounts frameCounts() {
        return new FrameCounts(pool.available(), inFill, inApp, inTx);
    }

    public int fd() {
        return fd;
    }

    /** The frame ownership record this queue writes to, or null when not tracking. */
    public FrameOwnership ownership() {
        return ownership;
    }

    FramePool pool() {
        return pool;
    }

    /** Closes the socket; the UMEM and the program belong to the {@link AfXdpPort}. */
    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
