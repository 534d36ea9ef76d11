package dev.sluice.stress.ring;

import dev.sluice.ring.MpmcFrameRing;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.lang.foreign.Arena;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/** Pairs of the MPMC ring's actors, two at a time, so that two-CPU machines run them. */
public class MpmcProducerConsumerPairsTest {

    /**
     * Two consumers race for a ring prefilled with 1 and 2 (bulk polls of up to 2): each value goes to
     * exactly one of them. r1, r2 = bit masks taken by consumer 1 and 2.
     */
    @JCStressTest
    @Description("MpmcFrameRing, two bulk consumers race")
    @Outcome(id = {"3, 0", "0, 3", "1, 2", "2, 1"}, expect = ACCEPTABLE, desc = "each value taken once")
    @Outcome(expect = FORBIDDEN, desc = "value taken twice or lost")
    @State
    public static class TwoConsumers {
        private final MpmcFrameRing ring = new MpmcFrameRing(Arena.ofAuto(), 4);
        private final long[] a = new long[2];
        private final long[] b = new long[2];

        public TwoConsumers() {
            ring.offer(1);
            ring.offer(2);
        }

        @Actor
        public void consumer1(II_Result r) {
            r.r1 = mask(a, ring.poll(a, 0, 2));
        }

        @Actor
        public void consumer2(II_Result r) {
            r.r2 = mask(b, ring.poll(b, 0, 2));
        }

        private static int mask(long[] got, int n) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                m |= (int) got[i];
            }
            return m;
        }
    }

    /**
     * Two producers race for a ring of capacity 2 holding one value (4) with bulk offers of two: at most
     * one more value fits; the arbiter drains. r1 = mask of all drained, r2 = count drained.
     */
    @JCStressTest
    @Description("MpmcFrameRing, two bulk producers race for the last slot")
    @Outcome(id = {"5, 2", "6, 2"}, expect = ACCEPTABLE, desc = "one producer got the last slot")
    @Outcome(expect = FORBIDDEN, desc = "overfilled, lost or duplicated")
    @State
    public static class TwoProducersFull {
        private final MpmcFrameRing ring = new MpmcFrameRing(Arena.ofAuto(), 2);

        public TwoProducersFull() {
            ring.offer(4);
        }

        @Actor
        public void producer1() {
            ring.offer(new long[] {1, 1}, 0, 2);
        }

        @Actor
        public void producer2() {
            ring.offer(new long[] {2, 2}, 0, 2);
        }

        @Arbiter
        public void drain(II_Result r) {
            int mask = 0;
            int count = 0;
            for (long v = ring.poll(-1); v != -1; v = ring.poll(-1)) {
                mask |= (int) v;
                count++;
            }
            r.r1 = mask;
            r.r2 = count;
        }
    }

    /**
     * A producer offers 1 then 2 while a consumer takes one bulk of up to 2; the arbiter drains. The
     * consumer sees a prefix of what the producer published, in order, never a value it did not write.
     * r1 = consumer's digits, r2 = arbiter's.
     */
    @JCStressTest
    @Description("MpmcFrameRing, producer and bulk consumer")
    @Outcome(id = {"0, 12", "1, 2", "12, 0"}, expect = ACCEPTABLE, desc = "prefix, in order")
    @Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or torn")
    @State
    public static class ProducerConsumer {
        private final MpmcFrameRing ring = new MpmcFrameRing(Arena.ofAuto(), 2);
        private final long[] got = new long[2];

        @Actor
        public void producer() {
            ring.offer(1);
            ring.offer(2);
        }

        @Actor
        public void consumer(II_Result r) {
            int n = ring.poll(got, 0, 2);
            int digits = 0;
            for (int i = 0; i < n; i++) {
                digits = digits * 10 + (int) got[i];
            }
            r.r1 = digits;
        }

        @Arbiter
        public void drain(II_Result r) {
            int digits = 0;
            for (long v = ring.poll(-1); v != -1; v = ring.poll(-1)) {
                digits = digits * 10 + (int) v;
            }
            r.r2 = digits;
        }
    }

    /**
     * Wrap-around: a ring of capacity 1 that has cycled once; a producer offers 7 while a consumer polls.
     * The consumer sees 7 or nothing, the arbiter sees the rest: the lap's sequence must not let the
     * consumer read the slot before the value is written.
     */
    @JCStressTest
    @Description("MpmcFrameRing, capacity 1 after a lap")
    @Outcome(id = {"7, -1", "-1, 7"}, expect = ACCEPTABLE, desc = "seen once")
    @Outcome(expect = FORBIDDEN, desc = "stale, lost or duplicated")
    @State
    public static class WrapAround {
        private final MpmcFrameRing ring = new MpmcFrameRing(Arena.ofAuto(), 1);

        public WrapAround() {
            ring.offer(3);
            ring.poll(-1);
        }

        @Actor
        public void producer() {
            ring.offer(7);
        }

        @Actor
        public void consumer(II_Result r) {
            r.r1 = (int) ring.poll(-1);
        }

        @Arbiter
        public void drain(II_Result r) {
            r.r2 = (int) ring.poll(-1);
        }
    }
}
