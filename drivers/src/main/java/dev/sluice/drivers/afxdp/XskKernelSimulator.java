package dev.sluice.drivers.afxdp;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.ring.XskConsumerRing;
import dev.sluice.ring.XskProducerRing;
import dev.sluice.ring.XskRingDescriptor;
import dev.sluice.ring.XskRingOffsets;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Plays the kernel's side of the four XSK rings of one or more queues in ordinary memory: frames
 * posted to FILL come back on RX holding a template packet, descriptors put on TX come back on
 * COMPLETION. The user side is real {@link AfXdpQueue}s (the very class that drives a socket) over
 * one UMEM and one shared frame pool, as an {@link AfXdpInterface} sets them up, so that
 * <ul>
 *   <li>a forwarding loop can be warmed up, JIT-compiled on the exact code it will run, before
 *       traffic is attached;</li>
 *   <li>benchmarks measure the user-space cost of AF_XDP without a NIC;</li>
 *   <li>tests check frame accounting without privileges, across queues too.</li>
 * </ul>
 * {@link #step} is called by whoever plays the kernel: the same thread between bursts (warm-up)
 * or another thread (benchmarks). Its endpoints have no file descriptor (see
 * {@link XskEndpoint#wakeupFd()}): TX kicks fail fast with EBADF, counted as kick errors on the
 * simulated queue, which is what a warm-up wants: the same code path, no effect.
 */
public final class XskKernelSimulator implements AutoCloseable {
    /** The ring layout of Linux 6.18 on x86-64. */
    private static final XskRingOffsets OFFSETS = new XskRingOffsets(0, 128, 196, 320);

    private final Arena arena = Arena.ofShared();
    private final Umem umem;
    private final SharedFramePool pool;
    private final FrameOwnership ownership;
    private final KernelRings[] kernel;
    private final AfXdpQueue[] queues;
    private final MemorySegment frames;
    /** The packets RX descriptors carry, in turn (see {@link #deliver(int, int)}). */
    private final byte[][] templates;
    private int nextTemplate;
    private final int headroom;
    private boolean copyOnDeliver = true;
    private final StepCounters counts = new StepCounters();

    /**
     * The two counters the simulating thread writes on every step, on cache lines of their own:
     * the simulator is allocated with the user side's objects, which another thread writes (see
     * XskRingFields in the ring module for the same reason). All longs: declaration order is
     * layout order.
     */
    private static final class StepCounters {
        long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
        long delivered;
        long completed;
        long invalidTx;
        long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15, q16;
    }

    /** The kernel's view of one queue's rings: it consumes FILL and TX, produces RX and COMPLETION. */
    private record KernelRings(XskConsumerRing fill, XskProducerRing rx, XskConsumerRing tx, XskProducerRing completion) {
    }

    /** The user side's view of one simulated queue: rings over the same memory, no file descriptor. */
    private record SimulatedEndpoint(XskRings rings) implements XskEndpoint {
        @Override
        public int wakeupFd() {
            return -1;
        }

        @Override
        public boolean zeroCopy() {
            return false;
        }

        @Override
        public XskStatistics statistics() {
            return XskStatistics.ZERO;
        }

        @Override
        public void close() {
            // the rings are the simulator's memory, freed with it
        }
    }

    /**
     * One queue.
     *
     * @param template the packet every RX descriptor carries (written into the frame on delivery)
     * @param txNeedsWakeup set TX's need_wakeup flag, as copy mode does, so the kick path runs
     */
    public XskKernelSimulator(UmemConfig config, int ringSize, int framesInFlight, byte[] template, boolean txNeedsWakeup,
                              boolean trackFrames) {
        this(config, 1, ringSize, framesInFlight, template, txNeedsWakeup, trackFrames, CounterAllocator.inMemory());
    }

    /**
     * One queue, with its counters from {@code counters} (e.g. a counters file, as {@code sluice fwd}
     * gives its AF_XDP queues), so that benchmarks can measure where counters live.
     */
    public XskKernelSimulator(UmemConfig config, int ringSize, int framesInFlight, byte[] template, boolean txNeedsWakeup,
                              boolean trackFrames, CounterAllocator counters) {
        this(config, 1, ringSize, framesInFlight, template, txNeedsWakeup, trackFrames, counters);
    }

    /**
     * {@code queueCount} queues over one UMEM and one shared frame pool, each keeping up to
     * {@code framesInFlight} frames in its FILL ring; queue {@code i} is named {@code sim/i}.
     */
    public XskKernelSimulator(UmemConfig config, int queueCount, int ringSize, int framesInFlight, byte[] template,
                              boolean txNeedsWakeup, boolean trackFrames, CounterAllocator counters) {
        this(config, queueCount, ringSize, framesInFlight, List.of(template), txNeedsWakeup, trackFrames, counters);
    }

    /**
     * One queue whose RX descriptors carry {@code templates} in turn, the first after the last (a
     * warm-up that must run every path of a handler, not one), with its counters in memory.
     */
    public XskKernelSimulator(UmemConfig config, int ringSize, int framesInFlight, List<byte[]> templates,
                              boolean txNeedsWakeup) {
        this(config, 1, ringSize, framesInFlight, templates, txNeedsWakeup, false, CounterAllocator.inMemory());
    }

    private XskKernelSimulator(UmemConfig config, int queueCount, int ringSize, int framesInFlight, List<byte[]> templates,
                               boolean txNeedsWakeup, boolean trackFrames, CounterAllocator counters) {
        if (queueCount < 1) {
            throw new IllegalArgumentException("a simulated interface needs at least one queue, not " + queueCount);
        }
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("a simulated queue needs at least one template packet");
        }
        this.headroom = UmemConfig.KERNEL_HEADROOM + config.headroom();
        this.templates = new byte[templates.size()][];
        for (int i = 0; i < this.templates.length; i++) {
            byte[] t = templates.get(i);
            if (headroom + t.length > config.frameSize()) {
                throw new IllegalArgumentException("template of " + t.length + " bytes does not fit a frame");
            }
            this.templates[i] = t.clone();
        }
        this.umem = Umem.allocate(config);
        this.frames = umem.segment();
        this.pool = SharedFramePool.of(umem);
        this.ownership = trackFrames ? new FrameOwnership(umem) : null;
        this.kernel = new KernelRings[queueCount];
        this.queues = new AfXdpQueue[queueCount];
        for (int q = 0; q < queueCount; q++) {
            MemorySegment fill = ring(ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE);
            MemorySegment comp = ring(ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE);
            MemorySegment rx = ring(ringSize, XskRingDescriptor.DESC_ENTRY_SIZE);
            MemorySegment tx = ring(ringSize, XskRingDescriptor.DESC_ENTRY_SIZE);
            if (txNeedsWakeup) {
                tx.set(ValueLayout.JAVA_INT, OFFSETS.flags(), XskRingDescriptor.NEED_WAKEUP);
            }
            kernel[q] = new KernelRings(
                    new XskConsumerRing(fill, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE),
                    new XskProducerRing(rx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE),
                    new XskConsumerRing(tx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE),
                    new XskProducerRing(comp, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE));
            XskRings userRings = new XskRings(
                    new XskProducerRing(fill, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE),
                    new XskConsumerRing(comp, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE),
                    new XskConsumerRing(rx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE),
                    new XskProducerRing(tx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE));
            String name = "sim/" + q;
            queues[q] = new AfXdpQueue(name, q, new SimulatedEndpoint(userRings), pool, framesInFlight, ownership, arena,
                    PortCounters.allocate(counters, name));
            queues[q].prime(); // as a real interface does before attaching
        }
    }

    private MemorySegment ring(int size, int entrySize) {
        return arena.allocate(XskRingDescriptor.mappingLength(OFFSETS, size, entrySize), 4096);
    }

    /**
     * Writes the template into every frame once and stops copying it on delivery: the simulated
     * kernel then only moves descriptors, so a benchmark that plays it on another core measures
     * the user-space side, not the simulator's memcpy. One template only: which frame comes back
     * next is the user side's choice, so turns of several templates need copying.
     */
    public XskKernelSimulator prefilled() {
        if (templates.length != 1) {
            throw new IllegalStateException("only a simulator with one template can be prefilled");
        }
        byte[] template = templates[0];
        for (int i = 0; i < umem.frameCount(); i++) {
            MemorySegment.copy(template, 0, frames, ValueLayout.JAVA_BYTE, (long) i * umem.frameSize() + headroom, template.length);
        }
        copyOnDeliver = false;
        return this;
    }

    /** The user side of queue 0: a real {@link AfXdpQueue} over the simulated rings. */
    public AfXdpQueue queue() {
        return queues[0];
    }

    /** The user side of queue {@code index}. */
    public AfXdpQueue queue(int index) {
        return queues[index];
    }

    public List<AfXdpQueue> queues() {
        return List.of(queues);
    }

    public Umem umem() {
        return umem;
    }

    /** The frame ownership record the queues write to, or null when not tracking. */
    public FrameOwnership ownership() {
        return ownership;
    }

    /**
     * Where every frame is: the shared pool (ring and caches) plus what each queue counts. Exact
     * when neither the queues' threads nor the simulating thread are in a burst.
     */
    public FrameCounts frameCounts() {
        return FrameCounts.sharedPool(pool.available(), queues);
    }

    /**
     * One kernel turn: deliver up to {@code maxPackets} frames from queue 0's FILL to its RX with the
     * template packets (in turn), and complete everything on every queue's TX. Returns packets delivered.
     */
    public int step(int maxPackets) {
        completeTx();
        return deliver(maxPackets);
    }

    /** FILL → RX on queue 0: what the kernel does on receive. Returns packets delivered. */
    public int deliver(int maxPackets) {
        return deliver(0, maxPackets);
    }

    /** FILL → RX on queue {@code queue}. Returns packets delivered. */
    public int deliver(int queue, int maxPackets) {
        KernelRings k = kernel[queue];
        int n = k.fill().peek(maxPackets);
        if (n == 0) {
            return 0;
        }
        n = k.rx().reserve(n);
        if (n == 0) {
            return 0;
        }
        int from = k.fill().consumedIndex();
        int to = k.rx().reservedIndex();
        byte[][] all = templates;
        int t = nextTemplate;
        for (int i = 0; i < n; i++) {
            byte[] template = all[t];
            t = t + 1 == all.length ? 0 : t + 1;
            long addr = k.fill().address(from + i) + headroom;
            if (copyOnDeliver) {
                MemorySegment.copy(template, 0, frames, ValueLayout.JAVA_BYTE, addr, template.length);
            }
            k.rx().putDescriptor(to + i, addr, template.length, 0);
        }
        nextTemplate = t;
        k.fill().releaseRelease(n);
        k.rx().submitRelease(n);
        counts.delivered += n;
        return n;
    }

    /** TX → COMPLETION on every queue: what the kernel does once frames are sent. Returns frames completed. */
    public int completeTx() {
        int total = 0;
        for (KernelRings k : kernel) {
            total += completeTx(k);
        }
        return total;
    }

    private int completeTx(KernelRings k) {
        int n = k.tx().peek(Integer.MAX_VALUE);
        if (n == 0) {
            return 0;
        }
        n = k.completion().reserve(n);
        if (n == 0) {
            return 0;
        }
        int from = k.tx().consumedIndex();
        int to = k.completion().reservedIndex();
        int completed = 0;
        for (int i = 0; i < n; i++) {
            long addr = k.tx().address(from + i);
            if (validTxDescriptor(addr, k.tx().length(from + i))) {
                k.completion().putAddress(to + completed++, addr);
            } else {
                counts.invalidTx++;
            }
        }
        k.tx().releaseRelease(n);
        k.completion().submitRelease(completed);
        counts.completed += completed;
        return completed;
    }

    /**
     * The kernel's check of a TX descriptor in aligned-chunk mode: a non-empty packet that lies
     * inside one chunk, which may start anywhere in it (a packet grown into the headroom is
     * fine). An invalid descriptor is consumed, counted and never completed: its frame is lost to
     * the application, as with the real kernel.
     */
    private boolean validTxDescriptor(long addr, int len) {
        long chunk = umem.frameSize();
        return len > 0 && addr >= 0 && addr + len <= umem.byteSize() && (addr & (chunk - 1)) + len <= chunk;
    }

    /** TX descriptors the simulated kernel refused (empty, or crossing a chunk's end): their frames are lost. */
    public long invalidTx() {
        return counts.invalidTx;
    }

    public long delivered() {
        return counts.delivered;
    }

    public long completed() {
        return counts.completed;
    }

    @Override
    public void close() {
        for (AfXdpQueue q : queues) {
            q.close();
        }
        arena.close();
        pool.close();
        umem.close();
    }
}
