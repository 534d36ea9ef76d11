package dev.sluice.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MpscDescriptorRingTest {

    private static final long EMPTY = -1;

    @Test
    void rejectsBadCapacities() {
        for (int capacity : new int[] {0, -1, 6, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> new MpscDescriptorRing(capacity))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        }
        assertThatThrownBy(() -> new MpscDescriptorRing(null, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void singleOfferAndPollAreFifoAndBounded() {
        try (MpscDescriptorRing ring = new MpscDescriptorRing(4)) {
            assertThat(ring.capacity()).isEqualTo(4);
            assertThat(ring.poll(EMPTY)).isEqualTo(EMPTY);
            long[] values = {0L, Long.MAX_VALUE, Long.MIN_VALUE, 42};
            for (long v : values) {
                assertThat(ring.offer(v)).isTrue();
            }
            assertThat(ring.offer(5)).isFalse();
            assertThat(ring.sizeAcquire()).isEqualTo(4);
            for (long v : values) {
                assertThat(ring.poll(EMPTY)).isEqualTo(v);
            }
            assertThat(ring.poll(EMPTY)).isEqualTo(EMPTY);
        }
    }

    @Test
    void burstsTakeWhatFitsAndWrapAround() {
        try (Arena arena = Arena.ofConfined()) {
            MpscDescriptorRing ring = new MpscDescriptorRing(arena, 8);
            long[] src = new long[20];
            long[] dst = new long[20];
            long next = 0;
            long expect = 0;
            for (int round = 0; round < 1000; round++) {
                int n = round % 11;
                for (int i = 0; i < n; i++) {
                    src[1 + i] = next + i;
                }
                int offered = ring.offer(src, 1, n);
                assertThat(offered).isBetween(0, n);
                next += offered;
                int polled = ring.poll(dst, 4, round % 7);
                for (int i = 0; i < polled; i++) {
                    assertThat(dst[4 + i]).isEqualTo(expect++);
                }
                assertThat(ring.sizeAcquire()).isEqualTo((int) (next - expect));
            }
            long[] full = {1, 2, 3, 4, 5, 6, 7, 8, 9};
            while (ring.poll(EMPTY) != EMPTY) {
                // drain
            }
            assertThat(ring.offer(full, 0, 9)).isEqualTo(8);
            assertThat(ring.offer(full, 0, 1)).isZero();
            assertThat(ring.poll(dst, 0, 20)).isEqualTo(8);
            assertThat(ring.poll(dst, 0, 20)).isZero();
        }
    }

    @Test
    @Timeout(value = 300)
    void producersDescriptorsArriveOnceInTheirOrder() throws Exception {
        final int producers = 3;
        final long perProducer = 3_000_000;
        try (MpscDescriptorRing ring = new MpscDescriptorRing(128)) {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int id = 0; id < producers; id++) {
                final long tag = (long) id << 48;
                final int seed = id;
                running.add(CompletableFuture.runAsync(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    long[] src = new long[32];
                    long next = 0;
                    while (next < perProducer) {
                        if (random.nextInt(4) == 0) {
                            if (ring.offer(tag | next)) {
                                next++;
                            } else {
                                Thread.yield(); // more threads than cores: let the consumer run
                            }
                            continue;
                        }
                        int n = (int) Math.min(1 + random.nextInt(32), perProducer - next);
                        for (int i = 0; i < n; i++) {
                            src[i] = tag | (next + i);
                        }
                        int k = ring.offer(src, 0, n);
                        next += k;
                        if (k == 0) {
                            Thread.yield();
                        }
                    }
                }, r -> new Thread(r, "mpsc-producer-" + seed).start()));
            }
            long[] expect = new long[producers];
            long[] dst = new long[64];
            long received = 0;
            SplittableRandom random = new SplittableRandom(99);
            while (received < producers * perProducer) {
                int k;
                if (random.nextInt(4) == 0) {
                    long v = ring.poll(EMPTY);
                    k = v == EMPTY ? 0 : 1;
                    dst[0] = v;
                } else {
                    k = ring.poll(dst, 0, 1 + random.nextInt(64));
                }
                for (int i = 0; i < k; i++) {
                    int id = (int) (dst[i] >>> 48);
                    long seq = dst[i] & ((1L << 48) - 1);
                    if (id >= producers || seq != expect[id]) {
                        throw new AssertionError("producer " + id + ": got " + seq + ", expected "
                            + (id < producers ? expect[id] : "no such producer"));
                    }
                    expect[id]++;
                }
                received += k;
                if (k == 0) {
                    for (CompletableFuture<Void> f : running) {
                        if (f.isCompletedExceptionally()) {
                            f.join();
                        }
                    }
                    Thread.yield();
                }
            }
            for (CompletableFuture<Void> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(expect).containsOnly(perProducer);
            assertThat(ring.poll(EMPTY)).isEqualTo(EMPTY);
            assertThat(ring.sizeAcquire()).isZero();
        }
    }
}
