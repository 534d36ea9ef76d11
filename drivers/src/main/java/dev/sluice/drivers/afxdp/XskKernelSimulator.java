package dev.sluice.drivers.afxdp;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.ring.XskConsumerRing;
import dev.sluice.ring.XskProducerRing;
import dev.sluice.ring.XskRingDescriptor;
import dev.sluice.ring.XskRingOffsets;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.FramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plays the kernel's side of the four XSK rings in ordinary memory: frames posted to FILL come
 * back on RX holding a template packet, descriptors put on TX come back on COMPLETION. The user
 * side is a real {@link XskQueue} (the very class that drives a socket), so that
 * <ul>
 *   <li>a forwarding loop can be warmed up, JIT-compiled on the exact code it will run, before
 *       traffic is attached;</li>
 *   <li>benchmarks measure the user-space cost of AF_XDP without a NIC;</li>
 *   <li>tests check frame accounting without privileges.</li>
 * </ul>
 * {@link #step} is called by whoever plays the kernel: the same thread between bursts (warm-up)
 * or another thread (benchmarks). Its fd is -1, so TX kicks fail fast with EBADF (counted as kick
 * errors on the simulated queue, which is what a warm-up wants: the same code path, no effect).
 */
public final class XskKernelSimulator implements AutoCloseable {
    /** The ring layout of Linux 6.18 on x86-64. */
    private static final XskRingOffsets OFFSETS = new XskRingOffsets(0, 128, 196, 320);

    private final Arena arena = Arena.ofShared();
    private final Umem umem;
    private final XskQueue queue;
    private final XskConsumerRing kernelFill;
    private final XskProducerRing kernelRx;
    private final XskConsumerRing kernelTx;
    private final XskProducerRing kernelCompletion;
    private final MemorySegment frames;
    private final byte[] template;
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
        long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15, q16;
    }

    /**
     * @param template the packet every RX descriptor carries (written into the frame on delivery)
     * @param txNeedsWakeup set TX's need_wakeup flag, as copy mode does, so the kick path runs
     */
    public XskKernelSimulator(UmemConfig config, int ringSize, int framesInFlight, byte[] template, boolean txNeedsWakeup,
                              boolean trackFrames) {
        this(config, ringSize, framesInFlight, template, txNeedsWakeup, trackFrames, CounterAllocator.inMemory());
    }

    /**
     * As above, with the user-side queue's counters from {@code counters} (e.g. a counters file, as
     * {@code sluice fwd} gives its AF_XDP queues), so that benchmarks can measure where counters live.
     */
    public XskKernelSimulator(UmemConfig config, int ringSize, int framesInFlight, byte[] template, boolean txNeedsWakeup,
                              boolean trackFrames, CounterAllocator counters) {
        this.umem = Umem.allocate(config);
        this.frames = umem.segment();
        this.template = template.clone();
        this.headroom = UmemConfig.KERNEL_HEADROOM + config.headroom();
        if (headroom + template.length > config.frameSize()) {
            throw new IllegalArgumentException("template of " + template.length + " bytes does not fit a frame");
        }
        MemorySegment fill = ring(ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE);
        MemorySegment comp = ring(ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE);
        MemorySegment rx = ring(ringSize, XskRingDescriptor.DESC_ENTRY_SIZE);
        MemorySegment tx = ring(ringSize, XskRingDescriptor.DESC_ENTRY_SIZE);
        if (txNeedsWakeup) {
            tx.set(ValueLayout.JAVA_INT, OFFSETS.flags(), XskRingDescriptor.NEED_WAKEUP);
        }
        this.kernelFill = new XskConsumerRing(fill, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE);
        this.kernelRx = new XskProducerRing(rx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE);
        this.kernelTx = new XskConsumerRing(tx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE);
        this.kernelCompletion = new XskProducerRing(comp, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE);
        XskRings userRings = new XskRings(
                new XskProducerRing(fill, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE),
                new XskConsumerRing(comp, OFFSETS, ringSize, XskRingDescriptor.ADDRESS_ENTRY_SIZE),
                new XskConsumerRing(rx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE),
                new XskProducerRing(tx, OFFSETS, ringSize, XskRingDescriptor.DESC_ENTRY_SIZE));
        FramePool pool = FramePool.ofFrames(umem, 0, umem.frameCount());
        this.queue = new XskQueue("sim/0", 0, null, -1, userRings, pool, frames, config.frameSize(), config.headroom(), framesInFlight,
                trackFrames ? new FrameOwnership(umem) : null, arena, PortCounters.allocate(counters, "sim/0"));
        queue.prime(); // as a real port does before attaching
    }

    private MemorySegment ring(int size, int entrySize) {
        return arena.allocate(XskRingDescriptor.mappingLength(OFFSETS, size, entrySize), 4096);
    }

    /**
     * Writes the template into every frame once and stops copying it on delivery: the simulated
     * kernel then only moves descriptors, so a benchmark that plays it on another core measures
     * the user-space side, not the simulator's memcpy.
     */
    public XskKernelSimulator prefilled() {
        for (int i = 0; i < umem.frameCount(); i++) {
            MemorySegment.copy(template, 0, frames, ValueLayout.JAVA_BYTE, (long) i * umem.frameSize() + headroom, template.length);
        }
        copyOnDeliver = false;
        return this;
    }

    /** The user side: a real {@link XskQueue} over the simulated rings. */
    public XskQueue queue() {
        return queue;
    }

    public Umem umem() {
        return umem;
    }

    /**
     * One kernel turn: deliver up to {@code maxPackets} frames from FILL to RX with the template
     * packet, and complete everything on TX. Returns packets delivered.
     */
    public int step(int maxPackets) {
        completeTx();
        return deliver(maxPackets);
    }

    /** FILL → RX: what the kernel does on receive. Returns packets delivered. */
    public int deliver(int maxPackets) {
        int n = kernelFill.peek(maxPackets);
        if (n == 0) {
            return 0;
        }
        n = kernelRx.reserve(n);
        if (n == 0) {
            return 0;
        }
        int from = kernelFill.consumedIndex();
        int to = kernelRx.reservedIndex();
        int len = template.length;
        for (int i = 0; i < n; i++) {
            long addr = kernelFill.address(from + i) + headroom;
            if (copyOnDeliver) {
                MemorySegment.copy(template, 0, frames, ValueLayout.JAVA_BYTE, addr, len);
            }
            kernelRx.putDescriptor(to + i, addr, len, 0);
        }
        kernelFill.releaseRelease(n);
        kernelRx.submitRelease(n);
        counts.delivered += n;
        return n;
    }

    /** TX → COMPLETION: what the kernel does once frames are sent. Returns frames completed. */
    public int completeTx() {
        int n = kernelTx.peek(Integer.MAX_VALUE);
        if (n == 0) {
            return 0;
        }
        n = kernelCompletion.reserve(n);
        if (n == 0) {
            return 0;
        }
        int from = kernelTx.consumedIndex();
        int to = kernelCompletion.reservedIndex();
        for (int i = 0; i < n; i++) {
            kernelCompletion.putAddress(to + i, kernelTx.address(from + i));
        }
        kernelTx.releaseRelease(n);
        kernelCompletion.submitRelease(n);
        counts.completed += n;
        return n;
    }

    public long delivered() {
        return counts.delivered;
    }

    public long completed() {
        return counts.completed;
    }

    @Override
    public void close() {
        arena.close();
        umem.close();
    }
}
