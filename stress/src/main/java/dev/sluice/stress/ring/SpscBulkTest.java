package dev.sluice.stress.ring;

import dev.sluice.ring.SpscDescriptorRing;
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

/**
 * SPSC bulk (all-or-nothing) offer/poll across the end of the slot array: capacity 4 with both
 * indices starting at 3, so the bulk {1, 2} occupies slots 3 and 0. The producer offers the bulk
 * {1, 2} then the bulk {3}; the consumer polls a bulk of exactly 2 then a bulk of exactly 1; the
 * arbiter drains. r1 = consumer's digits, r2 = arbiter's. A bulk is never split: the consumer
 * can never see "1" alone from its first poll, nor "2" without "1".
 */
@JCStressTest
@Description("SpscDescriptorRing bulk offer/poll across the wrap: all or nothing, no loss, FIFO")
@Outcome(id = "0, 123", expect = ACCEPTABLE, desc = "consumer polled before anything was published")
@Outcome(id = "1, 23", expect = ACCEPTABLE, desc = "first bulk poll missed {1, 2}, the bulk of one took 1")
@Outcome(id = "12, 3", expect = ACCEPTABLE, desc = "consumer got the bulk of two, 3 not yet published")
@Outcome(id = "123, 0", expect = ACCEPTABLE, desc = "consumer got everything, in order")
@Outcome(expect = FORBIDDEN, desc = "a bulk split, or a lost, duplicated, reordered or corrupted descriptor")
@State
public class SpscBulkTest {

    private final SpscDescriptorRing ring = new SpscDescriptorRing(Arena.ofAuto(), 4);
    private final long[] first = {1, 2};
    private final long[] second = {3};
    private final long[] received = new long[4];

    public SpscBulkTest() {
        for (int i = 0; i < 3; i++) { // move both indices to 3: the next bulk wraps
            ring.offer(7);
            ring.poll(-1);
        }
    }

    @Actor
    public void producer() {
        ring.offerBulk(first, 0, 2);
        ring.offerBulk(second, 0, 1);
    }

    @Actor
    public void consumer(II_Result r) {
        int n = ring.pollBulk(received, 0, 2);
        n += ring.pollBulk(received, n, 1);
        r.r1 = Digits.of(received, n);
    }

    @Arbiter
    public void drain(II_Result r) {
        long[] rest = new long[8];
        int n = ring.poll(rest, 0, 8);
        r.r2 = Digits.of(rest, n);
    }
}
