package dev.sluice.drivers.memory;

import dev.sluice.ring.SpscDescriptorRing;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;

/**
 * In-process port pairs for tests and benchmarks: a cable between two {@link MemoryPort}s over one
 * UMEM. Stand-in for hardware we do not have (see DESIGN, principle 7), never for the kernel's rings
 * (that is {@link SimulatedXskPort}).
 *
 * <pre>{@code
 * try (Umem umem = Umem.allocate(UmemConfig.defaults());
 *      SharedFramePool pool = SharedFramePool.of(umem);
 *      MemoryPorts.Pair pair = MemoryPorts.pair(pool, 1024)) {
 *     MemoryPort a = pair.a(), b = pair.b();   // a.transmit(...) -> b.receive(...)
 * }
 * }</pre>
 */
public final class MemoryPorts {
    /** Frames each end's cache moves to and from the shared pool at once. */
    public static final int CACHE_BULK = 32;

    private MemoryPorts() {
    }

    /** Two connected ports named {@code mem:a} and {@code mem:b}, each direction a ring of {@code ringSize}. */
    public static Pair pair(SharedFramePool pool, int ringSize) {
        return pair(pool, ringSize, "mem:a", "mem:b");
    }

    /** Two connected ports with the given names. */
    public static Pair pair(SharedFramePool pool, int ringSize, String nameA, String nameB) {
        SpscDescriptorRing ab = new SpscDescriptorRing(ringSize);
        SpscDescriptorRing ba;
        try {
            ba = new SpscDescriptorRing(ringSize);
        } catch (RuntimeException e) {
            ab.close();
            throw e;
        }
        MemoryPort a = new MemoryPort(nameA, pool, ab, ba, CACHE_BULK);
        MemoryPort b = new MemoryPort(nameB, pool, ba, ab, CACHE_BULK);
        return new Pair(a, b, ab, ba, null);
    }

    /** A pair over a pool of its own covering all of {@code umem}; the pool closes with the pair. */
    public static Pair pair(Umem umem, int ringSize) {
        SharedFramePool pool = SharedFramePool.of(umem);
        Pair p = pair(pool, ringSize);
        return new Pair(p.a, p.b, p.ab, p.ba, pool);
    }

    /**
     * Both ends of a link. Closing drains both ends (every frame in flight goes back to the pool)
     * and frees the rings; call it when no thread drives either end.
     */
    public record Pair(MemoryPort a, MemoryPort b, SpscDescriptorRing ab, SpscDescriptorRing ba,
                       SharedFramePool ownedPool) implements AutoCloseable {
        @Override
        public void close() {
            a.close();
            b.close();
            ab.close();
            ba.close();
            if (ownedPool != null) {
                ownedPool.close();
            }
        }
    }
}
