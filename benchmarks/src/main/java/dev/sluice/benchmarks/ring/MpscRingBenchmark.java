package dev.sluice.benchmarks.ring;

import dev.sluice.ring.MpscDescriptorRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The multi-producer rings, driven by <em>one</em> producer thread and one consumer thread (the
 * machine this project runs on has two cores: more producers would measure the scheduler), so the
 * score shows what multi-producer safety costs against {@link SpscRingBenchmark}.
 * <p>
 * One producer thread and one consumer thread moving 64-bit descriptors through an MPSC ring of
 * {@value RingBenchmarks#CAPACITY} slots, in bursts of {@code burst}, with no back-off (a failed
 * offer or an empty poll returns at once and the benchmark loop calls again):
 * <ul>
 *   <li>{@code sluice}: {@link MpscDescriptorRing}, burst offer/poll of {@code long}s;</li>
 *   <li>{@code jctools}: {@code org.jctools.queues.MpscArrayQueue} (the Unsafe-based one, JCTools'
 *       fastest; the fork allows {@code sun.misc.Unsafe} memory access so JDK 25 stays quiet), with
 *       {@code fill}/{@code drain} of pre-boxed {@code Long}s: a queue of references, as JCTools is;</li>
 *   <li>{@code agrona}: {@code ManyToOneRingBuffer}, {@code tryClaim}/{@code commit} of an 8-byte
 *       message per descriptor (16-byte records with the header) and {@code read} with a count limit.</li>
 * </ul>
 * Scores: read the {@code :polled} secondary result of each group (descriptors received per
 * microsecond, counted only on success); {@code :offered} matches it within a ring's worth.
 * Nanoseconds per element = 1000 / polled.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", // Agrona 2.x ring buffers
    "--sun-misc-unsafe-memory-access=allow",               // JCTools 4.x Unsafe queues
    "--enable-native-access=ALL-UNNAMED"})
public class MpscRingBenchmark {

    @State(Scope.Group)
    public static class SluiceRing extends RingBurstState {
        MpscDescriptorRing ring;
        private Arena arena;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            ring = new MpscDescriptorRing(arena, RingBenchmarks.CAPACITY);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @State(Scope.Group)
    public static class JctoolsQueue extends RingBurstState {
        MpscArrayQueue<Long> queue;

        @Setup(Level.Trial)
        public void setUp() {
            queue = new MpscArrayQueue<>(RingBenchmarks.CAPACITY);
        }
    }

    @State(Scope.Group)
    public static class AgronaRingBuffer extends RingBurstState {
        ManyToOneRingBuffer ring;

        @Setup(Level.Trial)
        public void setUp() {
            ring = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
                RingBenchmarks.AGRONA_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
        }
    }

    @Benchmark
    @Group("sluice")
    @GroupThreads(1)
    public void sluiceOffer(SluiceRing s, RingProducer p) {
        p.offered += RingBenchmarks.idleIfZero(s.ring.offer(p.src, 0, s.burst), s.pause);
    }

    @Benchmark
    @Group("sluice")
    @GroupThreads(1)
    public void sluicePoll(SluiceRing s, RingConsumer c) {
        c.polled += RingBenchmarks.idleIfZero(s.ring.poll(c.dst, 0, s.burst), s.pause);
    }

    @Benchmark
    @Group("jctools")
    @GroupThreads(1)
    public void jctoolsOffer(JctoolsQueue s, RingProducer p) {
        p.offered += RingBenchmarks.idleIfZero(s.queue.fill(p.boxed, s.burst), s.pause);
    }

    @Benchmark
    @Group("jctools")
    @GroupThreads(1)
    public void jctoolsPoll(JctoolsQueue s, RingConsumer c) {
        c.polled += RingBenchmarks.idleIfZero(s.queue.drain(c.sink, s.burst), s.pause);
    }

    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public void agronaOffer(AgronaRingBuffer s, RingProducer p) {
        p.offered += RingBenchmarks.idleIfZero(RingBenchmarks.agronaOffer(s.ring, p, s.burst), s.pause);
    }

    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public void agronaPoll(AgronaRingBuffer s, RingConsumer c) {
        c.polled += RingBenchmarks.idleIfZero(s.ring.read(c.sink, s.burst), s.pause);
    }
}
