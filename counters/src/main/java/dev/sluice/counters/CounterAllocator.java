package dev.sluice.counters;

import java.lang.foreign.MemorySegment;

/**
 * Where counters live. A driver asks for one group of counters per owner (a port queue, a worker)
 * and gets back a segment of {@code names.length} zeroed {@code u64} slots, 8-byte aligned, that
 * its data-path thread alone writes (plain read, add, opaque store; see {@link PortCounters}).
 *
 * <p>The default keeps them in this process's memory ({@link #inMemory()}); the pipeline's
 * counters file puts them in shared memory where {@code sluice stat} reads them live from another
 * process. Allocation happens at setup: it may take locks and throw; the segment it returns must
 * stay valid as long as its owner runs.
 */
public interface CounterAllocator {
    /** A monotonic count (Prometheus counter). */
    int TYPE_COUNTER = 1;
    /** A value that goes up and down (Prometheus gauge). */
    int TYPE_GAUGE = 2;

    /**
     * Allocates one group of contiguous counters.
     *
     * @param owner  who writes them, a kind and a name: {@code "port afxdp:eth0/0"}, {@code "worker 1"}
     * @param names  counter names, {@code [a-z0-9_]}, e.g. {@code rx_packets}
     * @param typeId {@link #TYPE_COUNTER} or {@link #TYPE_GAUGE}, for every counter of the group
     * @return {@code names.length * 8} bytes, zeroed; counter {@code i} at offset {@code 8 * i}
     */
    MemorySegment allocate(String owner, String[] names, int typeId);

    /** As {@link #allocate(String, String[], int)} for monotonic counters. */
    default MemorySegment allocate(String owner, String[] names) {
        return allocate(owner, names, TYPE_COUNTER);
    }

    /** Counters in this process's memory only (what ports use unless told otherwise). */
    static CounterAllocator inMemory() {
        return InMemoryCounterAllocator.INSTANCE;
    }
}
