package dev.sluice.stress.ring;

import dev.sluice.ring.SpscDescriptorRing;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.foreign.Arena;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * SPSC at capacity 2 with both indices starting at 1, so the ring wraps and fills: the producer
 * offers 1 and 2 (always room) and then 3, which fits only if the consumer has already taken
 * something; the consumer polls three times; the arbiter drains. r1 = whether 3 was accepted,
 * r2 = consumer's digits, r3 = arbiter's. The received sequence must be "123" if 3 was accepted,
 * "12" otherwise, and a slot must never be overwritten before it was consumed.
 */
@JCStressTest
@Description("SpscDescriptorRing, capacity 2, wrap-around and full ring: no overwrite, no loss, FIFO")
@Outcome(id = "1, 1, 23", expect = ACCEPTABLE, desc = "consumer freed a slot, then polled before 2 and 3 were visible")
@Outcome(id = "1, 12, 3", expect = ACCEPTABLE, desc = "3 accepted after the consumer took 1")
@Outcome(id = "1, 123, 0", expect = ACCEPTABLE, desc = "3 accepted, consumer got everything")
@Outcome(id = "0, 0, 12", expect = ACCEPTABLE, desc = "ring full when 3 was offered, consumer saw nothing")
@Outcome(id = "0, 1, 2", expect = ACCEPTABLE, desc = "ring full when 3 was offered, consumer got 1")
@Outcome(id = "0, 12, 0", expect = ACCEPTABLE, desc = "ring full when 3 was offered, consumer got both")
@Outcome(expect = FORBIDDEN, desc = "overwritten, lost, duplicated or reordered descriptor")
@State
public class SpscWrapAroundTest {

    private final SpscDescriptorRing ring = new SpscDescriptorRing(Arena.ofAuto(), 2);

    public SpscWrapAroundTest() {
        ring.offer(7); // move both indices to 1: slot 1 first, then slot 0
        ring.poll(-1);
    }

    @Actor
    public void producer(III_Result r) {
        ring.offer(1);
        ring.offer(2);
        r.r1 = ring.offer(3) ? 1 : 0;
    }

    @Actor
    public void consumer(III_Result r) {
        int got = 0;
        for (int i = 0; i < 3; i++) {
            long d = ring.poll(-1);
            if (d != -1) {
                got = Digits.append(got, d);
            }
        }
        r.r2 = got;
    }

    @Arbiter
    public void drain(III_Result r) {
        int got = 0;
        for (long d = ring.poll(-1); d != -1; d = ring.poll(-1)) {
            got = Digits.append(got, d);
        }
        r.r3 = got;
    }
}
