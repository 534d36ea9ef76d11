package dev.sluice.drivers.afxdp;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.ring.XskConsumerRing;
import dev.sluice.ring.XskProducerRing;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.umem.FrameCache;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One queue of an {@link AfXdpInterface}, a {@link Port} of its own that one thread drives: receive
 * from RX, post free frames to FILL, send through TX, take sent frames back from COMPLETION.
 *
 * <h2>Frames</h2>
 * Every queue of an interface draws on the UMEM's one {@link SharedFramePool} through a
 * {@link FrameCache} of its own. A frame may be received on one queue and sent on another; the
 * kernel hands it back on the COMPLETION ring of the queue that sent it, whose cache flushes it to
 * the shared ring in bulks, where the receiving queue's cache finds it when it tops up FILL. So
 * one-way traffic across queues never starves the receiving queue's FILL ring. The cache and the
 * shared ring cost no lock and no allocation: the shared ring sees one CAS per bulk of frames.
 *
 * <p>This queue counts the frames it handed to the kernel ({@code inFill}, {@code inTx}) and the
 * net number it handed to the application ({@code inApp}: received and allocated here, minus sent
 * and released here; negative on a queue that sends what another received). Summed over the queues
 * of a UMEM and added to the shared pool, the counts equal the UMEM's frames.
 *
 * <p>Hot-path rules: no allocation, no locks, no exceptions; ring state is copied into locals; one
 * acquire load and one release store per ring per burst; a syscall only when the kernel asks for
 * one (need_wakeup) or, in copy mode, to make it transmit.
 */
public final class AfXdpQueue implements Port {
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
    private final FrameCache cache;
    /** Frames on their way from the cache to FILL: one bulk get, then one ring burst. */
    private final long[] fillScratch;
    private final MemorySegment umem;
    private final int frameSize;
    private final int framesInFlight;
    private final FrameOwnership ownership;
    private final PortCounters counters;
    private final XskEndpoint endpoint;
    private final boolean zeroCopy;
    /** Where packet data starts in a frame we fill ourselves: the same place the kernel puts RX data. */
    private final int dataOffset;

    private int inFill;
    private int inApp;
    private int inTx;

    /**
     * @param framesInFlight frames kept in FILL (capped at the ring's size)
     * @param ownership      the record to write frame hand-overs to, or null; the pool's caches must
     *                       not record (the queue knows where a frame goes: FILL, the application, TX)
     */
    AfXdpQueue(String name, int queueId, XskEndpoint endpoint, SharedFramePool pool, int framesInFlight,
               FrameOwnership ownership, Arena arena, PortCounters counters) {
        if (pool.ownership() != null) {
            throw new IllegalArgumentException("an AF_XDP queue records frame ownership itself: give its pool none");
        }
        XskRings rings = endpoint.rings();
        this.counters = counters;
        this.name = name;
        this.queueId = queueId;
        this.endpoint = endpoint;
        this.fd = endpoint.wakeupFd();
        this.errno = LibC.newErrnoState(arena);
        this.fill = rings.fill();
        this.completion = rings.completion();
        this.rx = rings.rx();
        this.tx = rings.tx();
        this.framesInFlight = Math.min(framesInFlight, rings.fill().size());
        this.cache = pool.newCache(cacheBulk(this.framesInFlight, pool.frameCount()));
        this.umem = pool.umem().segment();
        this.frameSize = pool.umem().frameSize();
        this.fillScratch = new long[this.framesInFlight];
        this.ownership = ownership;
        this.zeroCopy = endpoint.zeroCopy();
        this.dataOffset = UmemConfig.KERNEL_HEADROOM + pool.umem().headroom();
    }

    /**
     * Frames the queue's cache moves to or from the shared ring at once: half the FILL share, so that
     * the frames one burst releases and the next refill takes (a burst, plus completions) stay in the
     * cache, LIFO and cache-warm. With a small bulk the cache would overflow every burst and frames
     * would cycle FIFO through the whole UMEM via the shared ring: more memory touched per packet.
     * Between 32 and 256, and at most the UMEM's frames.
     */
    static int cacheBulk(int framesInFlight, int umemFrames) {
        return Math.min(umemFrames, Math.max(SharedFramePool.DEFAULT_BULK, Math.min(256, framesInFlight / 2)));
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
        return new PacketBatch(umem, capacity, frameSize);
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

    /**
     * Tops FILL up to {@code framesInFlight} frames, in bursts, and wakes the kernel if it asks.
     * FILL always has room for them: it holds at most {@code inFill <= framesInFlight <= size}.
     */
    private void refill() {
        int want = framesInFlight - inFill;
        if (want >= FILL_BATCH) {
            if (cache.count() < want) {
                reclaimCompleted();
            }
            int n = fill.reserve(want);
            final long[] frames = fillScratch;
            n = cache.get(frames, 0, n);
            if (n == 0) {
                counters.add(PortCounters.FILL_STARVED, 1);
            } else {
                int first = fill.reservedIndex();
                FrameOwnership own = ownership;
                for (int i = 0; i < n; i++) {
                    long frame = frames[i];
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
            cache.put(addr);
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
            cache.put(addr);
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
        if (cache.count() < n) {
            reclaimCompleted();
        }
        int offset = dataOffset;
        FrameOwnership own = ownership;
        for (int i = 0; i < n; i++) {
            long frame = cache.get();
            if (frame < 0) {
                n = i;
                break;
            }
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
            cache.put(addr);
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
        return endpoint.statistics();
    }

    /**
     * Frames by owner as this queue counts them, {@code pool} being its cache alone (the shared
     * ring belongs to no queue: {@link AfXdpInterface#frameCounts()} adds it). Exact between bursts
     * of the driving thread.
     */
    public FrameCounts frameCounts() {
        return new FrameCounts(cache.countOpaque(), inFill, inApp, inTx);
    }

    /** The frame ownership record this queue writes to, or null when not tracking. */
    public FrameOwnership ownership() {
        return ownership;
    }

    /**
     * Gives the cached frames back to the shared pool and closes the socket; the UMEM, the pool and
     * the program belong to the {@link AfXdpInterface}. Frames still in the rings are the kernel's
     * until the socket is gone, and then nobody's: the UMEM is closed with them.
     */
    @Override
    public void close() {
        cache.flushAll();
        endpoint.close();
    }
}
