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

class XskConsumerRingTest {

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** Plays the kernel: writes n RX descriptors at the producer index and publishes them. */
    private static void kernelProduces(MemorySegment mapping, XskRingOffsets offsets, int size, int n, long firstAddr) {
        int producer = RingLayouts.producer(mapping, offsets);
        for (int i = 0; i < n; i++) {
            long e = RingLayouts.entry(offsets, size, DESC_ENTRY_SIZE, producer + i);
            mapping.set(ValueLayout.JAVA_LONG, e, firstAddr + i);
            mapping.set(ValueLayout.JAVA_INT, e + 8, 1000 + (int) (firstAddr + i));
            mapping.set(ValueLayout.JAVA_INT, e + 12, (int) (firstAddr + i) & 1);
        }
        RingLayouts.setProducer(mapping, offsets, producer + n);
    }

    @Test
    void rejectsBadArguments() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        assertThatThrownBy(() -> new XskConsumerRing(mapping, KERNEL_6_18, 3, ADDRESS_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new XskConsumerRing(mapping, KERNEL_6_18, -8, ADDRESS_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new XskConsumerRing(mapping, KERNEL_6_18, 8, 4))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry size");
        assertThatThrownBy(() -> new XskConsumerRing(mapping, KERNEL_6_18, 8, DESC_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least");
        assertThatThrownBy(() -> new XskConsumerRing(mapping, new XskRingOffsets(0, 128, 198, 320), 8, ADDRESS_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flags");
        assertThatThrownBy(() -> new XskConsumerRing(mapping, new XskRingOffsets(0, 128, 4000, 320), 8, ADDRESS_ENTRY_SIZE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least");
    }

    @Test
    void peekIsLimitedByMaxAndAvailableEntries() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, DESC_ENTRY_SIZE);
        XskConsumerRing ring = new XskConsumerRing(mapping, KERNEL_6_18, 8, DESC_ENTRY_SIZE);
        assertThat(ring.size()).isEqualTo(8);
        assertThat(ring.peek(64)).isZero();
        assertThat(ring.availableAcquire()).isZero();
        kernelProduces(mapping, KERNEL_6_18, 8, 5, 10);
        assertThat(ring.peek(0)).isZero();
        assertThat(ring.peek(3)).isEqualTo(3);
        assertThat(ring.peek(64)).isEqualTo(5);
        assertThat(ring.consumedIndex()).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(ring.address(i)).isEqualTo(10 + i);
            assertThat(ring.length(i)).isEqualTo(1010 + i);
            assertThat(ring.options(i)).isEqualTo((10 + i) & 1);
        }
        ring.releaseRelease(2); // fewer than peeked: the rest stays for the next peek
        assertThat(RingLayouts.consumer(mapping, KERNEL_6_18)).isEqualTo(2);
        assertThat(ring.consumedIndex()).isEqualTo(2);
        assertThat(ring.peek(64)).isEqualTo(3);
        assertThat(ring.address(ring.consumedIndex())).isEqualTo(12);
        ring.releaseRelease(3);
        assertThat(ring.peek(64)).isZero();
        kernelProduces(mapping, KERNEL_6_18, 8, 8, 100);
        assertThat(ring.availableAcquire()).isEqualTo(8);
        assertThat(ring.peek(64)).isEqualTo(8);
    }

    @Test
    void readsTheProducerOnlyWhenTheCachedCountIsZero() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        XskConsumerRing ring = new XskConsumerRing(mapping, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        RingLayouts.setProducer(mapping, KERNEL_6_18, 2);
        assertThat(ring.peek(8)).as("nothing cached: producer read").isEqualTo(2);
        RingLayouts.setProducer(mapping, KERNEL_6_18, 6);
        assertThat(ring.peek(8)).as("two cached: producer not read").isEqualTo(2);
        ring.releaseRelease(2);
        assertThat(ring.peek(8)).as("none cached: producer read").isEqualTo(4);
    }

    @Test
    void wrapsAroundTheU32Indices() {
        for (XskRingOffsets offsets : new XskRingOffsets[] {KERNEL_6_18, SHUFFLED}) {
            MemorySegment mapping = RingLayouts.allocate(arena, offsets, 8, DESC_ENTRY_SIZE);
            int start = 0xFFFF_FFFA; // six entries before 2^32
            RingLayouts.setProducer(mapping, offsets, start);
            RingLayouts.setConsumer(mapping, offsets, start);
            XskConsumerRing ring = new XskConsumerRing(mapping, offsets, 8, DESC_ENTRY_SIZE);
            kernelProduces(mapping, offsets, 8, 8, 0x7000_0000_0000L);
            assertThat(RingLayouts.producer(mapping, offsets)).isEqualTo(2);
            assertThat(ring.peek(64)).isEqualTo(8);
            int at = ring.consumedIndex();
            assertThat(at).isEqualTo(start);
            for (int i = 0; i < 8; i++) {
                assertThat(ring.address(at + i)).isEqualTo(0x7000_0000_0000L + i);
                assertThat(ring.length(at + i)).isEqualTo(1000 + i);
                assertThat(ring.options(at + i)).isEqualTo(i & 1);
            }
            ring.releaseRelease(8);
            assertThat(RingLayouts.consumer(mapping, offsets)).isEqualTo(2);
            assertThat(ring.peek(64)).isZero();
            kernelProduces(mapping, offsets, 8, 3, 0x42);
            assertThat(ring.peek(64)).isEqualTo(3);
            assertThat(ring.address(ring.consumedIndex())).isEqualTo(0x42);
        }
    }

    @Test
    void completionEntriesAreEightBytes() {
        MemorySegment mapping = RingLayouts.allocate(arena, SHUFFLED, 4, ADDRESS_ENTRY_SIZE);
        RingLayouts.setProducer(mapping, SHUFFLED, -2);
        RingLayouts.setConsumer(mapping, SHUFFLED, -2);
        XskConsumerRing ring = new XskConsumerRing(mapping, SHUFFLED, 4, ADDRESS_ENTRY_SIZE);
        for (int i = 0; i < 4; i++) {
            mapping.set(ValueLayout.JAVA_LONG, RingLayouts.entry(SHUFFLED, 4, 8, -2 + i), 0xF00L + i);
        }
        RingLayouts.setProducer(mapping, SHUFFLED, 2);
        assertThat(ring.peek(16)).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(ring.address(ring.consumedIndex() + i)).isEqualTo(0xF00L + i);
        }
        ring.releaseRelease(4);
        assertThat(RingLayouts.consumer(mapping, SHUFFLED)).isEqualTo(2);
    }

    @Test
    void needsWakeupReadsTheFlagBit() {
        MemorySegment mapping = RingLayouts.allocate(arena, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        XskConsumerRing ring = new XskConsumerRing(mapping, KERNEL_6_18, 8, ADDRESS_ENTRY_SIZE);
        assertThat(ring.needsWakeup()).isFalse();
        RingLayouts.setFlags(mapping, KERNEL_6_18, 3);
        assertThat(ring.needsWakeup()).isTrue();
    }
}
