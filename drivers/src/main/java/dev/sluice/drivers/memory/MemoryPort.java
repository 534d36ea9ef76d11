package dev.sluice.drivers.memory;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.ring.SpscDescriptorRing;
import dev.sluice.umem.FrameCache;
import dev.sluice.umem.FrameDescriptor;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.MemorySegment;

/**
 * One end of an in-process link (see {@link MemoryPorts#pair}): what this port transmits, its peer
 * receives. No byte is copied: {@link #transmit} moves {@link FrameDescriptor}s (address and length
 * packed in a {@code long}) through an {@link SpscDescriptorRing} to the peer, whose {@link #receive}
 * fills flyweights over the very same frames. Both ends share one UMEM and one
 * {@link SharedFramePool}; each end has a {@link FrameCache} of its own.
 *
 * <p>As every port, one thread drives an end at a time (the two ends may be driven by two threads).
 * Frame ownership when tracked: allocate POOL→APP, transmit APP→TX (recorded before the descriptor is
 * published), peer's receive TX→APP, release and drops APP→POOL.
 */
public final class MemoryPort implements Port {
    private static final int CHUNK = 256;

    private final String name;
    private final SharedFramePool pool;
    private final MemorySegment umem;
    private final int frameSize;
    private final SpscDescriptorRing out;
    private final SpscDescriptorRing in;
    private final FrameCache cache;
    private final FrameOwnership ownership;
    private final int dataOffset;
    private final PortCounters counters = new PortCounters();
    private final long[] scratch = new long[CHUNK];
    private boolean closed;

    MemoryPort(String name, SharedFramePool pool, SpscDescriptorRing out, SpscDescriptorRing in, int cacheBulk) {
        this.name = name;
        this.pool = pool;
        this.umem = pool.umem().segment();
        this.frameSize = pool.umem().frameSize();
        this.out = out;
        this.in = in;
        this.cache = pool.newCache(cacheBulk);
        this.ownership = pool.ownership();
        this.dataOffset = UmemConfig.KERNEL_HEADROOM + pool.umem().headroom();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PacketBatch newBatch(int capacity) {
        return new PacketBatch(umem, capacity, frameSize);
    }

    @Override
    public int receive(PacketBatch batch) {
        int want = Math.min(batch.remaining(), CHUNK);
        if (want == 0) {
            return 0;
        }
        final long[] d = scratch;
        int n = in.poll(d, 0, want);
        if (n == 0) {
            return 0;
        }
        FrameOwnership own = ownership;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            long addr = FrameDescriptor.address(d[i]);
            int len = FrameDescriptor.length(d[i]);
            if (own != null) {
                own.move(addr, FrameOwnership.TX, FrameOwnership.APP);
            }
            batch.add(addr, len);
            bytes += len;
        }
        counters.add(PortCounters.RX_PACKETS, n);
        counters.add(PortCounters.RX_BYTES, bytes);
        return n;
    }

    @Override
    public int transmit(PacketBatch batch) {
        int count = batch.count();
        int sent = 0;
        for (int from = 0; from < count; from += CHUNK) {
            int k = Math.min(CHUNK, count - from);
            int s = offerChunk(batch, from, k);
            sent += s;
            if (s < k) {
                dropUnsent(batch, from + s, count);
                break;
            }
        }
        batch.clear();
        return sent;
    }

    private int offerChunk(PacketBatch batch, int from, int k) {
        final long[] d = scratch;
        FrameOwnership own = ownership;
        long bytes = 0;
        for (int i = 0; i < k; i++) {
            long addr = batch.address(from + i);
            int len = batch.length(from + i);
            d[i] = FrameDescriptor.pack(addr, len);
            bytes += len;
            if (own != null) {
                own.move(addr, FrameOwnership.APP, FrameOwnership.TX); // before the peer can see it
            }
        }
        int s = out.offer(d, 0, k);
        if (s < k) {
            for (int i = s; i < k; i++) {
                bytes -= FrameDescriptor.length(d[i]);
                if (own != null) {
                    own.move(FrameDescriptor.address(d[i]), FrameOwnership.TX, FrameOwnership.APP); // not published: still ours
                }
            }
        }
        counters.add(PortCounters.TX_PACKETS, s);
        counters.add(PortCounters.TX_BYTES, bytes);
        return s;
    }

    private void dropUnsent(PacketBatch batch, int from, int count) {
        for (int i = from; i < count; i++) {
            cache.put(batch.address(i));
        }
        counters.add(PortCounters.TX_RING_FULL, count - from);
    }

    @Override
    public int allocate(PacketBatch batch, int count, int length) {
        int n = Math.min(count, batch.remaining());
        int offset = dataOffset;
        for (int i = 0; i < n; i++) {
            long frame = cache.get();
            if (frame < 0) {
                counters.add(PortCounters.FILL_STARVED, 1);
                return i;
            }
            batch.add(frame + offset, length);
        }
        return n;
    }

    @Override
    public void release(PacketBatch batch) {
        int count = batch.count();
        for (int i = 0; i < count; i++) {
            cache.put(batch.address(i));
        }
        counters.add(PortCounters.DROPPED, count);
        batch.clear();
    }

    @Override
    public PortCounters counters() {
        return counters;
    }

    /** Descriptors transmitted by the peer and not yet received here. */
    public int pendingReceive() {
        return in.sizeAcquire();
    }

    /** Frames held in this port's cache. */
    public int cachedFrames() {
        return cache.countOpaque();
    }

    public SharedFramePool pool() {
        return pool;
    }

    /**
     * Gives back every frame waiting in this port's receive ring and in its cache. Call when no thread
     * drives either end any more (the peer may still be open: its later transmissions stay in this
     * port's ring until this port's owner drains them again, or close the pair).
     */
    public void drain() {
        final long[] d = scratch;
        FrameOwnership own = ownership;
        int n;
        while ((n = in.poll(d, 0, CHUNK)) > 0) {
            for (int i = 0; i < n; i++) {
                long addr = FrameDescriptor.address(d[i]);
                if (own != null) {
                    own.move(addr, FrameOwnership.TX, FrameOwnership.APP);
                }
                cache.put(addr);
            }
        }
        cache.flushAll();
    }

    /** Drains (see {@link #drain}); the rings are freed with the pair. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            drain();
        }
    }

    @Override
    public String toString() {
        return "MemoryPort[" + name + "]";
    }
}
