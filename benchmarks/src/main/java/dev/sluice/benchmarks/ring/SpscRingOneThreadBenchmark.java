package dev.sluice.benchmarks.ring;

import dev.sluice.ring.SpscDescriptorRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.util.concurrent.TimeUnit;

/**
 * The instruction cost of the SPSC ring without any cache-line transfer: one thread offers a burst
 * and polls it back, like the single-core "bulk enq/deq" lines of DPDK's ring_perf_autotest (which
 * print cycles per enqueue+dequeue pair of one burst, not per element). Score: ns per pair; divide
 * by {@code burst} for ns per element.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class SpscRingOneThreadBenchmark {

    @Param({"1", "8", "32"})
    public int burst;

    private Arena arena;
    private SpscDescriptorRing ring;
    private final long[] src = new long[RingProducer.MAX_BURST];
    private final long[] dst = new long[RingProducer.MAX_BURST];

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        ring = new SpscDescriptorRing(arena, RingBenchmarks.CAPACITY);
        for (int i = 0; i < src.length; i++) {
            src[i] = 0x10_0000L + i * 2048L;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long offerThenPoll() {
        ring.offer(src, 0, burst);
        ring.poll(dst, 0, burst);
        return dst[burst - 1];
    }
}
