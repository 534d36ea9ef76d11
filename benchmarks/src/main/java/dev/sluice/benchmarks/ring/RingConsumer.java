package dev.sluice.benchmarks.ring;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.jctools.queues.MessagePassingQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The consumer thread's state in every ring benchmark: where descriptors land, and the one counter
 * that JMH reports for it ({@code polled}: descriptors actually received, never empty polls). Its
 * rate is the per-element throughput to compare. JMH turns every public field and public getter of
 * this class into a counter, so everything else is package-private.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class RingConsumer {

    /** Descriptors received in this iteration. */
    public long polled;

    final long[] dst = new long[RingProducer.MAX_BURST];
    /** JCTools {@code drain} consumer and Agrona message handler; stores what it receives. */
    final Sink sink = new Sink();

    @Setup(Level.Iteration)
    public void reset() {
        polled = 0;
    }

    static final class Sink implements MessagePassingQueue.Consumer<Long>, MessageHandler {
        private long last;

        @Override
        public void accept(Long descriptor) {
            last = descriptor;
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            last = buffer.getLong(index);
        }

        long last() {
            return last;
        }
    }
}
