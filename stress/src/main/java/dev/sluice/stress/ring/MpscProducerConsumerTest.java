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
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * MPSC, a producer against the consumer: the producer offers 1 singly then the burst {2, 3}; the
 * consumer polls once singly and once as a burst while it runs; the arbiter drains. r1 = consumer's
 * digits, r2 = arbiter's. Every outcome must split "123"; a published slot must be seen with its
 * descriptor (sequence and descriptor ordered).
 */
@JCStressTest
@Description("MpscDescriptorRing producer vs consumer: publication per slot, no loss, FIFO")
@Outcome(id = "0, 123", expect = ACCEPTABLE, desc = "consumer polled before anything was published")
@Outcome(id = "1, 23", expect = ACCEPTABLE, desc = "consumer got 1, the burst was not yet published")
@Outcome(id = "12, 3", expect = ACCEPTABLE_INTERESTING, desc = "consumer saw the burst's first slot published, not yet its second")
@Outcome(id = "123, 0", expect = ACCEPTABLE, desc = "consumer got everything, in order")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or corrupted descriptor")
@State
public class MpscProducerConsumerTest {

    private final MpscDescriptorRing ring = new MpscDescriptorRing(Arena.ofAuto(), 4);
    private final long[] burst = {2, 3};
    private final long[] received = new long[4];

    public MpscProducerConsumerTest() {
        for (int i = 0; i < 2; i++) { // move the indices to 2: the burst wraps from slot 3 to slot 0
            ring.offer(7);
            ring.poll(-1);
        }
    }

    @Actor
    public void producer() {
        ring.offer(1);
        ring.offer(burst, 0, 2);
    }

    @Actor
    public void consumer(II_Result r) {
        int n = 0;
        long d = ring.poll(-1);
        if (d != -1) {
            received[n++] = d;
        }
        n += ring.poll(received, n, 3);
        r.r1 = Digits.of(received, n);
    }

    @Arbiter
    public void drain(II_Result r) {
        long[] rest = new long[8];
        int n = ring.poll(rest, 0, 8);
        r.r2 = Digits.of(rest, n);
    }
}
