package dev.sluice.benchmarks.ring;

import dev.sluice.ring.SpscDescriptorRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.jctools.queues.SpscArrayQueue;
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
 * One producer thread and one consumer thread moving 64-bit descriptors through an SPSC ring of
 * {@value RingBenchmarks#CAPACITY} slots, in bursts of {@code burst}, with no back-off (a failed
 * offer or an empty poll returns at once and the benchmark loop calls again):
 * <ul>
 *   <li>{@code sluice}: {@link SpscDescriptorRing}, burst offer/poll of {@code long}s;</li>
 *   <li>{@code jctools}: {@code org.jctools.queues.SpscArrayQueue} (the Unsafe-based one, JCTools'
 *       fastest; the fork allows {@code sun.misc.Unsafe} memory access so JDK 25 stays quiet), with
 *       {@code fill}/{@code drain} of pre-boxed {@code Long}s: a queue of references, as JCTools is;</li>
 *   <li>{@code agrona}: {@code OneToOneRingBuffer}, {@code tryClaim}/{@code commit} of an 8-byte
 *       message per descriptor (16-byte records with the header) and {@code read} with a count limit.</li>
 * </ul>
 * Groups {@code sluiceSingle} and {@code jctoolsSingle} move one element per call through each
 * ring's single-element API (Sluice {@code offer(long)}/{@code poll(long)}, JCTools
 * {@code offer}/{@code poll}), the fairest comparison at a burst of one.
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
public class SpscRingBenchmark {

    @State(Scope.Group)
    public static class SluiceRing extends RingBurstState {
        SpscDescriptorRing ring;
        private Arena arena;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            ring = new SpscDescriptorRing(arena, RingBenchmarks.CAPACITY);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @State(Scope.Group)
    public static class JctoolsQueue extends RingBurstState {
        SpscArrayQueue<Long> queue;

        @Setup(Level.Trial)
        public void setUp() {
            queue = new SpscArrayQueue<>(RingBenchmarks.CAPACITY);
        }
    }

    @State(Scope.Group)
    public static class AgronaRingBuffer extends RingBurstState {
        OneToOneRingBuffer ring;

        @Setup(Level.Trial)
        public void setUp() {
            ring = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
                RingBenchmarks.AGRONA_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
        }
    }

    /** One element per call through each ring's single-element API: Sluice offer(long)/poll(long), JCTools offer/poll. */
    @State(Scope.Group)
    public static class SingleElement {
        @Param({"none", "pause"})
        public String backoff;
        boolean pause;
        SpscDescriptorRing ring;
        SpscArrayQueue<Long> queue;
        private Arena arena;

        @Setup(Level.Trial)
        public void setUp() {
            pause = RingBenchmarks.pause(backoff);
            arena = Arena.ofShared();
            ring = new SpscDescriptorRing(arena, RingBenchmarks.CAPACITY);
            queue = new SpscArrayQueue<>(RingBenchmarks.CAPACITY);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    @Group("sluiceSingle")
    @GroupThreads(1)
    public void sluiceSingleOffer(SingleElement s, RingProducer p) {
        p.offered += RingBenchmarks.idleIfZero(s.ring.offer(p.nextValue()) ? 1 : 0, s.pause);
    }

    @Benchmark
    @Group("sluiceSingle")
    @GroupThreads(1)
    public void sluiceSinglePoll(SingleElement s, RingConsumer c) {
        c.polled += RingBenchmarks.idleIfZero(s.ring.poll(-1L) != -1L ? 1 : 0, s.pause);
    }

    @Benchmark
    @Group("jctoolsSingle")
    @GroupThreads(1)
    public void jctoolsSingleOffer(SingleElement s, RingProducer p) {
        p.offered += RingBenchmarks.idleIfZero(s.queue.offer(p.boxed.get()) ? 1 : 0, s.pause);
    }

    @Benchmark
    @Group("jctoolsSingle")
    @GroupThreads(1)
    public void jctoolsSinglePoll(SingleElement s, RingConsumer c) {
        c.polled += RingBenchmarks.idleIfZero(s.queue.poll() != null ? 1 : 0, s.pause);
    }

    /**
     * No ring: each side only counts, the harness's own ceiling for a two-thread group on this
     * machine (no single-element ring can beat it; read the other groups against it).
     */
    @Benchmark
    @Group("harness")
    @GroupThreads(1)
    public void harnessOffer(RingProducer p) {
        p.offered++;
    }

    @Benchmark
    @Group("harness")
    @GroupThreads(1)
    public void harnessPoll(RingConsumer c) {
        c.polled++;
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
