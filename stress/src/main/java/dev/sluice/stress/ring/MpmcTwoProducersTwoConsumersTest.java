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

/**
 * MPMC, four actors: two producers offer one value each (1 and 2), two consumers poll one each,
 * the arbiter drains. r1 = bit mask of every value seen by anybody, r2 = how many were seen. Each
 * value must come out exactly once: "3, 2". Four actors need four CPUs; on smaller machines jcstress
 * leaves this test out and {@link MpmcProducerConsumerPairsTest} covers the pairs.
 */
@JCStressTest
@Description("MpmcFrameRing, two producers and two consumers concurrently")
@Outcome(id = "3, 2", expect = ACCEPTABLE, desc = "each value exactly once")
@Outcome(expect = FORBIDDEN, desc = "value lost or duplicated")
@State
public class MpmcTwoProducersTwoConsumersTest {
    private final MpmcFrameRing ring = new MpmcFrameRing(Arena.ofAuto(), 2);
    private long c1 = -1;
    private long c2 = -1;

    @Actor
    public void producer1() {
        ring.offer(1);
    }

    @Actor
    public void producer2() {
        ring.offer(2);
    }

    @Actor
    public void consumer1() {
        c1 = ring.poll(-1);
    }

    @Actor
    public void consumer2() {
        c2 = ring.poll(-1);
    }

    @Arbiter
    public void drain(II_Result r) {
        int mask = 0;
        int count = 0;
        for (long v : new long[] {c1, c2, ring.poll(-1), ring.poll(-1), ring.poll(-1)}) {
            if (v > 0) {
                mask |= (int) v;
                count++;
            }
        }
        r.r1 = mask;
        r.r2 = count;
    }
}
