package dev.sluice.counters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Counters in native memory of this process, freed by the GC with their last user. Native (not a
 * heap array) so that counter updates see the same segment kind whether or not a counters file is
 * used: one receiver type at the VarHandle call sites, no profile pollution in the data path.
 */
final class InMemoryCounterAllocator implements CounterAllocator {
    static final InMemoryCounterAllocator INSTANCE = new InMemoryCounterAllocator();
    /** Groups on their own 128-byte lines (two cache lines: the adjacent-line prefetcher pairs them). */
    private static final long GROUP_ALIGNMENT = 128;

    private InMemoryCounterAllocator() {
    }

    @Override
    public MemorySegment allocate(String owner, String[] names, int typeId) {
        if (names.length == 0) {
            throw new IllegalArgumentException("no counter names for " + owner);
        }
        return Arena.ofAuto().allocate(names.length * 8L, GROUP_ALIGNMENT);
    }

    @Override
    public String toString() {
        return "in-memory counters";
    }
}
