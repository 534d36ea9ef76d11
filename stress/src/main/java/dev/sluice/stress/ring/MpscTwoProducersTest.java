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
 * MPSC, two producers racing for claims: one offers 1 then 2 singly, the other offers the burst
 * {3, 4}, which is claimed as one run; the arbiter drains. r1 = the drained sequence. Each
 * producer's descriptors must arrive exactly once, in its order, and the burst contiguous.
 */
@JCStressTest
@Description("MpscDescriptorRing, two producers: each descriptor once, each producer's order kept")
@Outcome(id = "1234", expect = ACCEPTABLE, desc = "burst claimed after both singles")
@Outcome(id = "1342", expect = ACCEPTABLE, desc = "burst claimed between the singles")
@Outcome(id = "3412", expect = ACCEPTABLE, desc = "burst claimed first")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or split descriptors")
@State
public class MpscTwoProducersTest {

    private final MpscDescriptorRing ring = new MpscDescriptorRing(Arena.ofAuto(), 8);
    private final long[] burst = {3, 4};

    public MpscTwoProducersTest() {
        for (int i = 0; i < 6; i++) { // move the indices to 6: the burst may wrap
            ring.offer(7);
            ring.poll(-1);
        }
    }

    @Actor
    public void singles() {
        ring.offer(1);
        ring.offer(2);
    }

    @Actor
    public void burst() {
        ring.offer(burst, 0, 2);
    }

    @Arbiter
    public void drain(I_Result r) {
        long[] rest = new long[8];
        int n = ring.poll(rest, 0, 8);
        r.r1 = Digits.of(rest, n);
    }
}
