package dev.sluice.stress.ring;

import dev.sluice.ring.MpscDescriptorRing;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import java.lang.foreign.Arena;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * MPSC at capacity 2, indices starting at 1: one producer offers 1 then 2, the other offers 3;
 * only two fit, so exactly one offer fails. The arbiter drains. r1 = the drained sequence. The
 * capacity check must hold under the claim race (never three, never an overwrite).
 */
@JCStressTest
@Description("MpscDescriptorRing, capacity 2: two producers race for the last slot")
@Outcome(id = "12", expect = ACCEPTABLE, desc = "first producer took both slots, 3 rejected")
@Outcome(id = "13", expect = ACCEPTABLE, desc = "3 claimed between 1 and 2, 2 rejected")
@Outcome(id = "31", expect = ACCEPTABLE, desc = "3 claimed first, 2 rejected")
@Outcome(expect = FORBIDDEN, desc = "over capacity, overwritten, lost or reordered descriptor")
@State
public class MpscFullRingTest {

    private final MpscDescriptorRing ring = new MpscDescriptorRing(Arena.ofAuto(), 2);

    public MpscFullRingTest() {
        ring.offer(7); // move the indices to 1
        ring.poll(-1);
    }

    @Actor
    public void first() {
        ring.offer(1);
        ring.offer(2);
    }

    @Actor
    public void second() {
        ring.offer(3);
    }

    @Arbiter
    public void drain(I_Result r) {
        int got = 0;
        for (long d = ring.poll(-1); d != -1; d = ring.poll(-1)) {
            got = Digits.append(got, d);
        }
        r.r1 = got;
    }
}
