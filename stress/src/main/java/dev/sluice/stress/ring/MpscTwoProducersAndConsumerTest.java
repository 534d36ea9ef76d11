package dev.sluice.stress.ring;

import dev.sluice.ring.MpscDescriptorRing;
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
 * MPSC with all three parties concurrent: one producer offers 1 then 2, another offers 3, the
 * consumer takes one burst of up to 3 while they run, the arbiter drains. r1 = consumer's digits,
 * r2 = arbiter's. Their concatenation must be an interleaving of "12" and "3" (123, 132 or 312),
 * and the consumer's part a prefix of it (it stops at the first unpublished slot).
 * <p>
 * Three actors: jcstress runs this test only on machines with at least three CPUs and silently
 * leaves it out on two (the pairs are covered by {@link MpscTwoProducersTest} and
 * {@link MpscProducerConsumerTest}).
 */
@JCStressTest
@Description("MpscDescriptorRing, two producers and the consumer concurrently")
@Outcome(id = {"0, 123", "1, 23", "12, 3", "123, 0"}, expect = ACCEPTABLE, desc = "claim order 1 2 3")
@Outcome(id = {"0, 132", "1, 32", "13, 2", "132, 0"}, expect = ACCEPTABLE, desc = "claim order 1 3 2")
@Outcome(id = {"0, 312", "3, 12", "31, 2", "312, 0"}, expect = ACCEPTABLE, desc = "claim order 3 1 2")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or reordered descriptor")
@State
public class MpscTwoProducersAndConsumerTest {

    private final MpscDescriptorRing ring = new MpscDescriptorRing(Arena.ofAuto(), 4);
    private final long[] received = new long[4];

    @Actor
    public void first() {
        ring.offer(1);
        ring.offer(2);
    }

    @Actor
    public void second() {
        ring.offer(3);
    }

    @Actor
    public void consumer(II_Result r) {
        int n = ring.poll(received, 0, 3);
        r.r1 = Digits.of(received, n);
    }

    @Arbiter
    public void drain(II_Result r) {
        int got = 0;
        for (long d = ring.poll(-1); d != -1; d = ring.poll(-1)) {
            got = Digits.append(got, d);
        }
        r.r2 = got;
    }
}
