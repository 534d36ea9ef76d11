package dev.sluice.umem;

import dev.sluice.ring.MpmcFrameRing;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class SharedFramePoolTest {

    @Test
    void cacheRefillsAndFlushesInBulks() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(256));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem))) {
            FrameCache cache = pool.newCache(32);
            long f = cache.get();
            assertThat(f % umem.frameSize()).isZero();
            assertThat(cache.count()).isEqualTo(31);
            assertThat(pool.ringAvailable()).isEqualTo(256 - 32);
            cache.put(f + 300); // any address inside the frame
            long[] got = new long[256];
            int n = cache.get(got, 0, 40);
            assertThat(n).isEqualTo(40); // 32 cached + the 8 missing, taken as one bulk of 32
            assertThat(cache.count()).isEqualTo(32 + 32 - 40);
            assertThat(pool.ringAvailable()).isEqualTo(256 - 64);
            n += cache.get(got, n, 256 - n); // all the rest: what is missing, in whole bulks, at once
            assertThat(n).isEqualTo(256);
            assertThat(pool.ringAvailable()).isZero();
            for (int i = 0; i < n; i++) {
                cache.put(got[i]);
            }
            assertThat(cache.count()).isLessThan(64);
            assertThat(pool.available()).isEqualTo(256);
            cache.flushAll();
            assertThat(pool.ringAvailable()).isEqualTo(256);
            assertThat(pool.ownership().violations()).isZero();
            assertThat(pool.ownership().count(FrameOwnership.POOL)).isEqualTo(256);
        }
    }

    @Test
    void emptyPoolSaysSoAndDoubleFreeIsAViolation() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem))) {
            FrameCache cache = pool.newCache(16);
            long[] all = new long[64];
            for (int i = 0; i < 64; i++) {
                all[i] = cache.get();
                assertThat(all[i]).isNotNegative();
            }
            assertThat(cache.get()).isEqualTo(-1);
            cache.put(all[0]);
            cache.put(all[0]);
            assertThat(pool.ownership().violations()).isEqualTo(1);
        }
    }

    /** One thread allocates, another frees, in bulks through their caches: nothing lost, no double owner. */
    @Test
    void framesCrossThreadsThroughCaches() throws Exception {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(512));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem));
             MpmcFrameRing handoff = new MpmcFrameRing(1024)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int rounds = 200_000;
            Thread producer = Thread.ofPlatform().start(() -> {
                FrameCache c = pool.newCache(32);
                for (int i = 0; i < rounds; ) {
                    long f = c.get();
                    if (f < 0) {
                        Thread.yield();
                        continue;
                    }
                    // record the hand-over before publishing it
                    pool.ownership().move(f, FrameOwnership.APP, FrameOwnership.STAGE);
                    while (!handoff.offer(f)) {
                        Thread.onSpinWait();
                    }
                    i++;
                }
                c.flushAll();
            });
            Thread consumer = Thread.ofPlatform().start(() -> {
                FrameCache c = pool.newCache(32);
                for (int i = 0; i < rounds; ) {
                    long f = handoff.poll(-1);
                    if (f < 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    pool.ownership().move(f, FrameOwnership.STAGE, FrameOwnership.APP);
                    c.put(f);
                    i++;
                }
                c.flushAll();
            });
            producer.join();
            consumer.join();
            assertThat(failure.get()).isNull();
            assertThat(pool.ownership().violations()).as(pool.ownership().firstViolation()).isZero();
            assertThat(pool.ringAvailable()).isEqualTo(512);
            assertThat(pool.ownership().count(FrameOwnership.POOL)).isEqualTo(512);
        }
    }
}
