package dev.sluice.benchmarks.ring;

import org.jctools.queues.MessagePassingQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The producer thread's state in every ring benchmark: what it offers, and the one counter that
 * JMH reports for it ({@code offered}: descriptors actually accepted by the ring, never attempts).
 * JMH turns every public field and public getter of this class into a counter, so everything else
 * is package-private.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class RingProducer {

    /** Largest burst of any benchmark. */
    static final int MAX_BURST = 32;

    /** Descriptors accepted by the ring in this iteration. */
    public long offered;

    final long[] src = new long[MAX_BURST];
    /** JCTools {@code fill} supplier: hands out pre-boxed values, so the queues do not measure boxing. */
    final BoxedDescriptors boxed = new BoxedDescriptors();
    private int next;

    public RingProducer() {
        for (int i = 0; i < src.length; i++) {
            src[i] = 0x10_0000L + i * 2048L; // looks like UMEM frame addresses
        }
    }

    @Setup(Level.Iteration)
    public void reset() {
        offered = 0;
    }

    /** The next descriptor value (Agrona). */
    long nextValue() {
        return src[next++ & (MAX_BURST - 1)];
    }

    static final class BoxedDescriptors implements MessagePassingQueue.Supplier<Long> {
        private final Long[] boxes = new Long[1024];
        private int next;

        BoxedDescriptors() {
            for (int i = 0; i < boxes.length; i++) {
                boxes[i] = 0x10_0000L + i * 2048L;
            }
        }

        @Override
        public Long get() {
            return boxes[next++ & (boxes.length - 1)];
        }
    }
}
