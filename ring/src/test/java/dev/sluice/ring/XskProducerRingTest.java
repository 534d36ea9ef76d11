package dev.sluice.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.sluice.ring.RingLayouts.KERNEL_6_18;
import static dev.sluice.ring.RingLayouts.SHUFFLED;
import static dev.sluice.ring.XskRingDescriptor.ADDRESS_ENTRY_SIZE;
import static dev.sluice.ring.XskRingDescriptor.DESC_ENTRY_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XskProducerRingTest {

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void rejectsBadArguments() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, DESC_ENTRY_SIZE);
        assertThatThrownBy(() -> new XskProducerRing(mapping, KERNEL_6_18, 6, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new XskProducerRing(mapping, KERNEL_6_18, 0, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new XskProducerRing(mapping, KERNEL_6_18, 8, 12))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry size");
        assertThatThrownBy(() -> new XskProducerRing(mapping, KERNEL_6_18, 16, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least");
        assertThatThrownBy(() -> new XskProducerRing(mapping.asSlice(0, 100), KERNEL_6_18, 1, ADDRESS_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least");
        assertThatThrownBy(() -> new XskProducerRing(mapping, new XskRingOffsets(0, 130, 196, 320), 8, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumer").hasMessageContaining("aligned");
        assertThatThrownBy(() -> new XskProducerRing(mapping, new XskRingOffsets(0, 128, 196, 324), 4, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("desc");
        assertThatThrownBy(() -> new XskProducerRing(mapping.asSlice(4), KERNEL_6_18, 4, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
        assertThatThrownBy(() -> new XskProducerRing(MemorySegment.ofArray(new byte[1024]), KERNEL_6_18, 8, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
        assertThatThrownBy(() -> new XskRingOffsets(0, -1, 196, 320)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new XskProducerRing(null, KERNEL_6_18, 8, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsAHeapSegment() {
        MemorySegment mapping = MemorySegment.ofArray(new long[(320 + 8 * 16) / 8]); // aligned, but on the heap
        assertThatThrownBy(() -> new XskProducerRing(mapping, KERNEL_6_18, 8, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native memory");
        assertThatThrownBy(() -> new XskConsumerRing(mapping, KERNEL_6_18, 8, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native memory");
    }

    @Test
    void reserveIsLimitedByMaxAndFreeSpace() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        XskProducerRing ring = new XskProducerRing(mapping, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        assertThat(ring.size()).isEqualTo(8);
        assertThat(ring.freeAcquire()).isEqualTo(8);
        assertThat(ring.reserve(0)).isZero();
        assertThat(ring.reserve(3)).isEqualTo(3);
        assertThat(ring.reserve(100)).isEqualTo(8);
        ring.submitRelease(5);
        assertThat(RingLayouts.producer(mapping, KERNEL_6_18)).isEqualTo(5);
        assertThat(ring.reservedIndex()).isEqualTo(5);
        assertThat(ring.reserve(8)).isEqualTo(3);
        ring.submitRelease(3);
        assertThat(ring.reserve(1)).isZero();
        assertThat(ring.freeAcquire()).isZero();
        RingLayouts.setConsumer(mapping, KERNEL_6_18, 2); // the kernel took two
        assertThat(ring.reserve(4)).isEqualTo(2);
        assertThat(ring.reservedIndex()).isEqualTo(8);
    }

    @Test
    void reservationIsNotCumulative() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        XskProducerRing ring = new XskProducerRing(mapping, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        assertThat(ring.reserve(4)).isEqualTo(4);
        assertThat(ring.reservedIndex()).isZero();
        assertThat(ring.reserve(4)).isEqualTo(4);
        assertThat(ring.reservedIndex()).isZero();
        ring.submitRelease(2); // fewer than reserved
        assertThat(ring.reservedIndex()).isEqualTo(2);
        assertThat(ring.reserve(8)).isEqualTo(6);
    }

    @Test
    void readsTheConsumerOnlyWhenTheCachedSpaceRunsShort() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        XskProducerRing ring = new XskProducerRing(mapping, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        // An impossible consumer (would leave no room) proves when the ring looks at it.
        RingLayouts.setConsumer(mapping, KERNEL_6_18, -8);
        assertThat(ring.reserve(8)).as("cached free space suffices: consumer not read").isEqualTo(8);
        assertThat(ring.reserve(9)).as("cached free space short: consumer read").isZero();
        RingLayouts.setConsumer(mapping, KERNEL_6_18, 0);
        assertThat(ring.reserve(8)).isEqualTo(8);
    }

    @Test
    void wrapsAroundTheU32Indices() {
        for (XskRingOffsets offsets : new XskRingOffsets[] {KERNEL_6_18, SHUFFLED}) {
            MemorySegment mapping = RingLayouts.allocate(arena, offsets, 8, DESC_ENTRY_SIZE);
            int start = 0xFFFF_FFFD; // three entries before 2^32
            RingLayouts.setProducer(mapping, offsets, start);
            RingLayouts.setConsumer(mapping, offsets, start);
            XskProducerRing ring = new XskProducerRing(mapping, offsets, 8, DESC_ENTRY_SIZE);
            assertThat(ring.freeAcquire()).isEqualTo(8);
            assertThat(ring.reserve(8)).isEqualTo(8);
            int at = ring.reservedIndex();
            assertThat(at).isEqualTo(start);
            for (int i = 0; i < 8; i++) {
                ring.putDescriptor(at + i, 0x1_0000_0000L * (i + 1) + i, 100 + i, i);
            }
            ring.submitRelease(8);
            assertThat(RingLayouts.producer(mapping, offsets)).isEqualTo(5);
            assertThat(ring.reserve(1)).isZero();
            for (int i = 0; i < 8; i++) {
                long e = RingLayouts.entry(offsets, 8, DESC_ENTRY_SIZE, start + i);
                assertThat(mapping.get(ValueLayout.JAVA_LONG, e)).isEqualTo(0x1_0000_0000L * (i + 1) + i);
                assertThat(mapping.get(ValueLayout.JAVA_INT, e + 8)).isEqualTo(100 + i);
                assertThat(mapping.get(ValueLayout.JAVA_INT, e + 12)).isEqualTo(i);
            }
            // slot of index 2^32 - 3 is 5, of 2^32 is 0
            assertThat(mapping.get(ValueLayout.JAVA_INT, offsets.desc() + 5 * 16 + 8)).isEqualTo(100);
            assertThat(mapping.get(ValueLayout.JAVA_INT, offsets.desc() + 8)).isEqualTo(103);
            RingLayouts.setConsumer(mapping, offsets, 1); // the kernel consumed across the wrap
            assertThat(ring.reserve(8)).isEqualTo(4);
            assertThat(ring.reservedIndex()).isEqualTo(5);
        }
    }

    @Test
    void fillEntriesAreEightBytes() {
        MemorySegment mapping = RingLayouts.allocate(arena, SHUFFLED, 4, ADDRESS_ENTRY_SIZE);
        RingLayouts.setProducer(mapping, SHUFFLED, -1);
        RingLayouts.setConsumer(mapping, SHUFFLED, -1);
        XskProducerRing ring = new XskProducerRing(mapping, SHUFFLED, 4, ADDRESS_ENTRY_SIZE);
        assertThat(ring.reserve(4)).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            ring.putAddress(ring.reservedIndex() + i, 0xDEAD_BEEF_0000L + i);
        }
        ring.submitRelease(4);
        assertThat(RingLayouts.producer(mapping, SHUFFLED)).isEqualTo(3);
        assertThat(mapping.get(ValueLayout.JAVA_LONG, SHUFFLED.desc() + 3 * 8)).isEqualTo(0xDEAD_BEEF_0000L);
        assertThat(mapping.get(ValueLayout.JAVA_LONG, SHUFFLED.desc())).isEqualTo(0xDEAD_BEEF_0001L);
        assertThat(mapping.get(ValueLayout.JAVA_LONG, SHUFFLED.desc() + 2 * 8)).isEqualTo(0xDEAD_BEEF_0003L);
    }

    @Test
    void needsWakeupReadsTheFlagBit() {
        MemorySegment mapping = RingLayouts.allocate(arena, SHUFFLED, 8, DESC_ENTRY_SIZE);
        XskProducerRing ring = new XskProducerRing(mapping, SHUFFLED, 8, DESC_ENTRY_SIZE);
        assertThat(ring.needsWakeup()).isFalse();
        RingLayouts.setFlags(mapping, SHUFFLED, XskRingDescriptor.NEED_WAKEUP);
        assertThat(ring.needsWakeup()).isTrue();
        RingLayouts.setFlags(mapping, SHUFFLED, ~XskRingDescriptor.NEED_WAKEUP);
        assertThat(ring.needsWakeup()).isFalse();
    }
}
