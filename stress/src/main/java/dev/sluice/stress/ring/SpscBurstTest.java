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
 * SPSC, bursts across the end of the slot array: capacity 4 with both indices starting at 3, so
 * the burst {1, 2} occupies slots 3 and 0. The producer offers the burst {1, 2} then the single 3;
 * the consumer takes two bursts of up to 2; the arbiter drains. r1 = consumer's digits, r2 =
 * arbiter's. Every outcome must split "123".
 */
@JCStressTest
@Description("SpscDescriptorRing burst offer/poll across the wrap: no loss, no duplication, FIFO")
@Outcome(id = "0, 123", expect = ACCEPTABLE, desc = "consumer polled before anything was published")
@Outcome(id = "12, 3", expect = ACCEPTABLE, desc = "consumer got the burst, 3 not yet published")
@Outcome(id = "123, 0", expect = ACCEPTABLE, desc = "consumer got everything, in order")
@Outcome(id = "1, 23", expect = ACCEPTABLE_INTERESTING, desc = "legal, not expected: a burst is published with one store")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or corrupted descriptor")
@State
public class SpscBurstTest {

    private final SpscDescriptorRing ring = new SpscDescriptorRing(Arena.ofAuto(), 4);
    private final long[] burst = {1, 2};
    private final long[] received = new long[4];

    public SpscBurstTest() {
        for (int i = 0; i < 3; i++) { // move both indices to 3: the next burst wraps
            ring.offer(7);
            ring.poll(-1);
        }
    }

    @Actor
    public void producer() {
        ring.offer(burst, 0, 2);
        ring.offer(3);
    }

    @Actor
    public void consumer(II_Result r) {
        int n = ring.poll(received, 0, 2);
        n += ring.poll(received, n, 2);
        r.r1 = Digits.of(received, n);
    }

    @Arbiter
    public void drain(II_Result r) {
        long[] rest = new long[8];
        int n = ring.poll(rest, 0, 8);
        r.r2 = Digits.of(rest, n);
    }
}
