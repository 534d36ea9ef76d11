package dev.sluice.counters;

import java.lang.foreign.Arena;

/**
 * Counter groups in native memory of this process, freed by the GC with their last user. Native
 * (not a heap array) so that counter updates see the same segment kind whether or not a counters
 * file is used: one receiver type at the VarHandle call sites, no profile pollution in the data path.
 */
final class InMemoryCounterAllocator implements CounterAllocator {
    static final InMemoryCounterAllocator INSTANCE = new InMemoryCounterAllocator();

    private InMemoryCounterAllocator() {
    }

    @Override
    public CounterGroup allocate(String kind, Labels labels, String[] names, CounterType[] types) {
        CounterGroup.check(kind, labels, names, types);
        return new CounterGroup(-1, kind, labels, names.clone(), types.clone(),
                Arena.ofAuto().allocate(names.length * 8L, CountersDescriptor.GROUP_ALIGNMENT), g -> { });
    }

    @Override
    public String toString() {
        return "in-memory counters";
    }
}
