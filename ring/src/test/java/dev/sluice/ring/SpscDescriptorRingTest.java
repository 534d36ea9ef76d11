package dev.sluice.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpscDescriptorRingTest {

    private static final long EMPTY = Long.MIN_VALUE + 7;

    @Test
    void rejectsBadCapacities() {
        for (int capacity : new int[] {0, -4, 3, 12, DescriptorRingDescriptor.MAX_CAPACITY * 2}) {
            assertThatThrownBy(() -> new SpscDescriptorRing(capacity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        }
        assertThatThrownBy(() -> new SpscDescriptorRing(null, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void singleOfferAndPollAreFifoAndBounded() {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(4)) {
            assertThat(ring.capacity()).isEqualTo(4);
            assertThat(ring.poll(EMPTY)).isEqualTo(EMPTY);
            long[] values = {-1L, 0L, Long.MAX_VALUE, Long.MIN_VALUE};
            for (long v : values) {
                assertThat(ring.offer(v)).isTrue();
            }
            assertThat(ring.offer(5)).isFalse();
            assertThat(ring.sizeAcquire()).isEqualTo(4);
            for (long v : values) {
                assertThat(ring.poll(EMPTY)).isEqualTo(v);
            }
            assertThat(ring.poll(EMPTY)).isEqualTo(EMPTY);
            assertThat(ring.sizeAcquire()).isZero();
        }
    }

    @Test
    void burstsTakeWhatFitsAndWrapAround() {
        try (Arena arena = Arena.ofConfined()) {
            SpscDescriptorRing ring = new SpscDescriptorRing(arena, 8);
            long[] src = new long[20];
            long[] dst = new long[20];
            long next = 0;
            long expect = 0;
            for (int round = 0; round < 1000; round++) {
                int n = round % 11;
                for (int i = 0; i < n; i++) {
                    src[2 + i] = next + i;
                }
                int offered = ring.offer(src, 2, n);
                assertThat(offered).isBetween(0, n);
                next += offered;
                int polled = ring.poll(dst, 3, round % 7);
                assertThat(polled).isLessThanOrEqualTo(round % 7);
                for (int i = 0; i < polled; i++) {
                    assertThat(dst[3 + i]).isEqualTo(expect++);
                }
                assertThat(ring.sizeAcquire()).isEqualTo((int) (next - expect));
            }
            assertThat(ring.offer(src, 0, 0)).isZero();
            assertThat(ring.poll(dst, 0, 0)).isZero();
        }
    }

    @Test
    void fullAndEmptyBursts() {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(8)) {
            long[] src = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
            assertThat(ring.offer(src, 0, 10)).isEqualTo(8);
            assertThat(ring.offer(src, 8, 2)).isZero();
            assertThat(ring.offer(11)).isFalse();
            long[] dst = new long[10];
            assertThat(ring.poll(dst, 0, 3)).isEqualTo(3);
            assertThat(ring.offer(src, 8, 2)).isEqualTo(2);
            assertThat(ring.poll(dst, 3, 10)).isEqualTo(7);
            assertThat(dst).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(ring.poll(dst, 0, 10)).isZero();
        }
    }

    @Test
    void bulksMoveAllOrNothing() {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(8)) {
            long[] src = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
            long[] dst = new long[10];
            assertThat(ring.offerBulk(src, 0, 9)).isZero();
            assertThat(ring.sizeAcquire()).isZero();
            assertThat(ring.offerBulk(src, 0, 5)).isEqualTo(5);
            assertThat(ring.offerBulk(src, 5, 4)).isZero(); // 3 free
            assertThat(ring.pollBulk(dst, 0, 6)).isZero();  // 5 present
            assertThat(ring.sizeAcquire()).isEqualTo(5);
            assertThat(ring.pollBulk(dst, 0, 2)).isEqualTo(2);
            assertThat(ring.offerBulk(src, 5, 5)).isEqualTo(5); // wraps
            assertThat(ring.offerBulk(src, 0, 1)).isZero();
            assertThat(ring.pollBulk(dst, 2, 8)).isEqualTo(8);
            assertThat(dst).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(ring.pollBulk(dst, 0, 1)).isZero();
            assertThat(ring.offerBulk(src, 0, 0)).isZero();
            assertThat(ring.pollBulk(dst, 0, 0)).isZero();
        }
    }

    @Test
    void bulksAndBurstsMixAcrossTheWrap() {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(16)) {
            long[] src = new long[16];
            long[] dst = new long[16];
            SplittableRandom random = new SplittableRandom(3);
            long next = 0;
            long expect = 0;
            for (int round = 0; round < 10_000; round++) {
                int n = random.nextInt(17);
                for (int i = 0; i < n; i++) {
                    src[i] = value(next + i);
                }
                int free = 16 - (int) (next - expect);
                int offered = random.nextBoolean() ? ring.offerBulk(src, 0, n) : ring.offer(src, 0, n);
                assertThat(offered).isIn(free >= n ? n : Math.min(n, free), 0);
                next += offered;
                int m = random.nextInt(17);
                int present = (int) (next - expect);
                boolean bulk = random.nextBoolean();
                int polled = bulk ? ring.pollBulk(dst, 0, m) : ring.poll(dst, 0, m);
                assertThat(polled).isEqualTo(bulk ? (present >= m ? m : 0) : Math.min(m, present));
                for (int i = 0; i < polled; i++) {
                    assertThat(dst[i]).isEqualTo(value(expect++));
                }
            }
        }
    }

    @Test
    void burstsAndBulksOfOneKeepOrderAcrossLaps() {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(4)) {
            long[] one = new long[3];
            long next = 0;
            long expected = 0;
            for (int round = 0; round < 10; round++) { // 2.5 laps per kind
                for (int i = 0; i < 3; i++) {
                    one[1] = next;
                    assertThat(round % 2 == 0 ? ring.offer(one, 1, 1) : ring.offerBulk(one, 1, 1)).isEqualTo(1);
                    next++;
                }
                for (int i = 0; i < 3; i++) {
                    one[2] = -1;
                    assertThat(round % 2 == 0 ? ring.poll(one, 2, 1) : ring.pollBulk(one, 2, 1)).isEqualTo(1);
                    assertThat(one[2]).isEqualTo(expected++);
                }
                assertThat(ring.poll(one, 2, 1)).isZero();
            }
            for (int i = 0; i < 4; i++) {
                one[0] = 100 + i;
                assertThat(ring.offer(one, 0, 1)).isEqualTo(1);
            }
            assertThat(ring.offer(one, 0, 1)).isZero();
            assertThat(ring.offerBulk(one, 0, 1)).isZero();
            assertThat(ring.pollBulk(one, 0, 1)).isEqualTo(1);
            assertThat(one[0]).isEqualTo(100);
        }
    }

    @Test
    void capacityOneWorks() {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(1)) {
            for (long i = 0; i < 10; i++) {
                assertThat(ring.offer(i)).isTrue();
                assertThat(ring.offer(i)).isFalse();
                assertThat(ring.poll(EMPTY)).isEqualTo(i);
            }
        }
    }

    @Test
    @Timeout(value = 300)
    void threadsMoveEveryDescriptorOnceInOrder() throws Exception {
        final long total = 20_000_000;
        try (SpscDescriptorRing ring = new SpscDescriptorRing(256)) {
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                SplittableRandom random = new SplittableRandom(1);
                long[] src = new long[64];
                int[] spins = {0};
                long next = 0;
                while (next < total) {
                    if (random.nextInt(8) == 0) {
                        if (ring.offer(value(next))) {
                            next++;
                        } else {
                            XskRingKernelSideTest.idle(++spins[0]);
                        }
                        continue;
                    }
                    int n = (int) Math.min(1 + random.nextInt(64), total - next);
                    for (int i = 0; i < n; i++) {
                        src[i] = value(next + i);
                    }
                    int k = random.nextBoolean() ? ring.offer(src, 0, n) : ring.offerBulk(src, 0, n);
                    next += k;
                    if (k == 0) {
                        XskRingKernelSideTest.idle(++spins[0]);
                    }
                }
            }, r -> new Thread(r, "spsc-producer").start());
            SplittableRandom random = new SplittableRandom(2);
            long[] dst = new long[64];
            long expect = 0;
            while (expect < total) {
                if (random.nextInt(8) == 0) {
                    long v = ring.poll(EMPTY);
                    if (v != EMPTY) {
                        if (v != value(expect)) {
                            producer.cancel(true);
                            throw new AssertionError("descriptor " + expect + " was " + v);
                        }
                        expect++;
                    } else {
                        failFastIfDone(producer);
                    }
                    continue;
                }
                int m = 1 + random.nextInt(64);
                int k = random.nextBoolean() ? ring.poll(dst, 0, m) : ring.pollBulk(dst, 0, (int) Math.min(m, total - expect));
                for (int i = 0; i < k; i++) {
                    if (dst[i] != value(expect)) {
                        throw new AssertionError("descriptor " + expect + " was " + dst[i]);
                    }
                    expect++;
                }
                if (k == 0) {
                    failFastIfDone(producer);
                }
            }
            producer.get(60, TimeUnit.SECONDS);
            assertThat(ring.poll(EMPTY)).isEqualTo(EMPTY);
            assertThat(expect).isEqualTo(total);
        }
    }

    private static int consumerSpins;

    private static void failFastIfDone(CompletableFuture<Void> producer) {
        if (producer.isCompletedExceptionally()) {
            producer.join();
        }
        XskRingKernelSideTest.idle(++consumerSpins);
    }

    /** Distinct for every sequence number, and using all 64 bits. */
    static long value(long seq) {
        return XskRingKernelSideTest.addr(seq);
    }
}
