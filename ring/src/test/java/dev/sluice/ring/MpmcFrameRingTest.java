package dev.sluice.ring;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MpmcFrameRingTest {

    @Test
    void fifoSingleThreaded() {
        try (MpmcFrameRing ring = new MpmcFrameRing(8)) {
            for (int lap = 0; lap < 5; lap++) {
                for (long v = 0; v < 8; v++) {
                    assertThat(ring.offer(v + lap * 100)).isTrue();
                }
                assertThat(ring.offer(99)).isFalse();
                assertThat(ring.sizeAcquire()).isEqualTo(8);
                for (long v = 0; v < 8; v++) {
                    assertThat(ring.poll(-1)).isEqualTo(v + lap * 100);
                }
                assertThat(ring.poll(-1)).isEqualTo(-1);
            }
        }
    }

    @Test
    void bulkOfferAndPollStopAtFullAndEmpty() {
        try (MpmcFrameRing ring = new MpmcFrameRing(16)) {
            long[] src = new long[20];
            for (int i = 0; i < src.length; i++) {
                src[i] = i;
            }
            assertThat(ring.offer(src, 0, 20)).isEqualTo(16);
            long[] dst = new long[20];
            assertThat(ring.poll(dst, 0, 10)).isEqualTo(10);
            assertThat(dst).startsWith(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat(ring.offer(src, 16, 4)).isEqualTo(4);
            assertThat(ring.poll(dst, 0, 20)).isEqualTo(10);
            assertThat(dst).startsWith(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
            assertThat(ring.poll(dst, 0, 20)).isZero();
        }
    }

    @Test
    void rejectsBadCapacities() {
        for (int capacity : new int[] {0, -4, 3, 12, DescriptorRingDescriptor.MAX_CAPACITY * 2}) {
            assertThatThrownBy(() -> new MpmcFrameRing(capacity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
            assertThatThrownBy(() -> new MpmcFrameRing(Arena.ofAuto(), capacity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        }
        assertThatThrownBy(() -> new MpmcFrameRing(null, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Four threads each take bulks and give them back: every value survives exactly once. */
    @Test
    void concurrentTakeAndGiveConservesEveryValue() throws Exception {
        int values = 1024;
        try (MpmcFrameRing ring = new MpmcFrameRing(2048)) {
            long[] all = new long[values];
            for (int i = 0; i < values; i++) {
                all[i] = i;
            }
            assertThat(ring.offer(all, 0, values)).isEqualTo(values);
            AtomicLongArray takes = new AtomicLongArray(values);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int bulk = 7 + t * 9;
                threads.add(Thread.ofPlatform().start(() -> {
                    long[] held = new long[bulk];
                    for (int round = 0; round < 50_000; round++) {
                        int n = ring.poll(held, 0, bulk);
                        for (int i = 0; i < n; i++) {
                            takes.incrementAndGet((int) held[i]);
                        }
                        int given = 0;
                        while (given < n) {
                            given += ring.offer(held, given, n - given);
                        }
                        if ((round & 63) == 0) {
                            Thread.yield();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            long[] left = new long[values + 1];
            int n = ring.poll(left, 0, values + 1);
            assertThat(n).isEqualTo(values);
            boolean[] seen = new boolean[values];
            for (int i = 0; i < n; i++) {
                assertThat(seen[(int) left[i]]).as("value %d twice", left[i]).isFalse();
                seen[(int) left[i]] = true;
            }
        }
    }
}
