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
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * SPSC, single operations: the producer offers 1 then 2, the consumer polls twice while it runs,
 * the arbiter drains what is left. r1 = what the consumer got, r2 = what the arbiter got (digits in
 * arrival order, 0 = nothing). Every outcome must split "12": nothing lost, duplicated or reordered.
 */
@JCStressTest
@Description("SpscDescriptorRing single offer/poll: no loss, no duplication, FIFO")
@Outcome(id = "0, 12", expect = ACCEPTABLE, desc = "consumer polled before anything was published")
@Outcome(id = "1, 2", expect = ACCEPTABLE_INTERESTING, desc = "consumer saw 1, then polled before 2 was published")
@Outcome(id = "12, 0", expect = ACCEPTABLE, desc = "consumer got both, in order")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or corrupted descriptor")
@State
public class SpscSingleOfferPollTest {

    private final SpscDescriptorRing ring = new SpscDescriptorRing(Arena.ofAuto(), 4);

    @Actor
    public void producer() {
        ring.offer(1);
        ring.offer(2);
    }

    @Actor
    public void consumer(II_Result r) {
        int got = 0;
        for (int i = 0; i < 2; i++) {
            long d = ring.poll(-1);
            if (d != -1) {
                got = Digits.append(got, d);
            }
        }
        r.r1 = got;
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
