package dev.sluice.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Ring layouts for tests, and raw access to a mapping written independently of the code under test. */
final class RingLayouts {

    /** What Linux 6.18 returns from XDP_MMAP_OFFSETS on x86-64 (all four rings). */
    static final XskRingOffsets KERNEL_6_18 = new XskRingOffsets(0, 128, 196, 320);

    /** A made-up layout with a different order of fields, to prove that nothing is hard-coded. */
    static final XskRingOffsets SHUFFLED = new XskRingOffsets(200, 64, 4, 264);

    private RingLayouts() {
    }

    static MemorySegment allocate(Arena arena, XskRingOffsets offsets, int size, int entrySize) {
        return arena.allocate(XskRingDescriptor.mappingLength(offsets, size, entrySize), 4096);
    }

    static void setProducer(MemorySegment mapping, XskRingOffsets offsets, int value) {
        mapping.set(ValueLayout.JAVA_INT, offsets.producer(), value);
    }

    static void setConsumer(MemorySegment mapping, XskRingOffsets offsets, int value) {
        mapping.set(ValueLayout.JAVA_INT, offsets.consumer(), value);
    }

    static void setFlags(MemorySegment mapping, XskRingOffsets offsets, int value) {
        mapping.set(ValueLayout.JAVA_INT, offsets.flags(), value);
    }

    static int producer(MemorySegment mapping, XskRingOffsets offsets) {
        return mapping.get(ValueLayout.JAVA_INT, offsets.producer());
    }

    static int consumer(MemorySegment mapping, XskRingOffsets offsets) {
        return mapping.get(ValueLayout.JAVA_INT, offsets.consumer());
    }

    /** Byte offset of the entry of u32 index {@code index}, computed the way the kernel does. */
    static long entry(XskRingOffsets offsets, int size, int entrySize, int index) {
        return offsets.desc() + (long) (index & (size - 1)) * entrySize;
    }
}
