package dev.sluice.counters;

import java.util.Arrays;

/**
 * Where counter groups live. An owner (a port queue, a worker, an XDP program, a balancer
 * backend) asks for one {@link CounterGroup} and is its single writer. The default keeps groups in
 * this process's memory ({@link #inMemory()}); a {@link CountersFile} puts them in shared memory
 * where {@code sluice stat} reads them live from another process. Allocation happens at setup: it
 * may take locks and throw.
 */
public interface CounterAllocator {

    /**
     * Allocates one group.
     *
     * @param kind   what the owner is, {@code [a-z_][a-z0-9_]*}: {@code port}, {@code worker}, {@code lb_backend}
     * @param labels which one it is: {@code port=afxdp:eth0/0}; {@code vip=web backend=10.0.1.11}
     * @param names  counter names, {@code [a-z_][a-z0-9_]*}, e.g. {@code rx_packets}; 1 to {@link CounterGroup#MAX_COUNTERS}
     * @param types  the type of each counter
     */
    CounterGroup allocate(String kind, Labels labels, String[] names, CounterType[] types);

    /** As {@link #allocate(String, Labels, String[], CounterType[])} with every counter of type {@code type}. */
    default CounterGroup allocate(String kind, Labels labels, CounterType type, String... names) {
        CounterType[] types = new CounterType[names.length];
        Arrays.fill(types, type);
        return allocate(kind, labels, names, types);
    }

    /** Counters in this process's memory only (what ports use unless told otherwise). */
    static CounterAllocator inMemory() {
        return InMemoryCounterAllocator.INSTANCE;
    }
}
