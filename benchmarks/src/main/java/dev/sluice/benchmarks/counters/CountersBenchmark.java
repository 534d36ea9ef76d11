package dev.sluice.benchmarks.counters;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.Labels;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.counters.CountersFile;
import dev.sluice.benchmarks.pipeline.PlainForwardLoop;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.umem.UmemConfig;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * What keeping port counters in a shared-memory segment costs the data path, against plain Java
 * fields. One operation is what a port does per burst: add the packets, the bytes and a drop count
 * (three counters of one group), single writer.
 * <ul>
 *   <li>{@code portCountersFile}: the real {@link PortCounters} over a {@link CountersFile} in
 *       this user's run directory ({@code /dev/shm/sluice-<uid>} or {@code $SLUICE_RUN_DIR}), created as {@code sluice fwd} creates it
 *       (mmap MAP_SHARED of a tmpfs file, a shared arena);</li>
 *   <li>{@code portCountersInMemory}: the real {@link PortCounters} from
 *       {@link CounterAllocator#inMemory()} (native memory of an automatic arena: what ports use
 *       without a counters file);</li>
 *   <li>{@code plainFields}: three {@code long} fields, {@code +=} (the baseline);</li>
 *   <li>{@code plainArray}: a {@code long[]}, {@code +=};</li>
 *   <li>{@code opaqueArray}: a {@code long[]} with an opaque load and store per add, as the pipeline
 *       runtime's worker counters do (separates the cost of opaque access from that of the segment);</li>
 *   <li>{@code segmentOpaque}, {@code segmentPlainLoadOpaqueStore}, {@code segmentPlain}: where the
 *       cost goes: the same in-memory segment without the {@code PortCounters} object (a
 *       {@code static final} VarHandle on a segment held by the state), with an opaque load and store
 *       (what {@code PortCounters.add} does), a plain load and an opaque store (what its class comment
 *       describes; enough for a single writer), and plain access.</li>
 * </ul>
 * {@code forwardLoop}: the same question inside a real loop: one burst of a
 * {@link PlainForwardLoop} (macswap) over a real {@code AfXdpQueue} whose kernel side is simulated on the same
 * thread ({@link XskKernelSimulator}, descriptors only), with the queue's counters in memory or in a
 * counters file ({@code counters} parameter): per burst it updates RX and TX packets and bytes.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CountersBenchmark -prof gc
 * </pre>
 * Score: ns per burst update (per loop burst for {@code forwardLoop}); compare within one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
public class CountersBenchmark {

    /** The inputs of a burst update; fields (not constants) so nothing folds. */
    @State(Scope.Thread)
    public static class Burst {
        public int packets = 64;
        public long bytes = 64 * 60;
        public int drops = 1;
    }

    @State(Scope.Thread)
    public static class FileCounters {
        CountersFile file;
        PortCounters counters;

        @Setup(Level.Trial)
        public void setUp() {
            file = CountersFile.create("bench-counters");
            counters = PortCounters.allocate(file, "bench/0");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            file.close();
        }
    }

    @State(Scope.Thread)
    public static class MemoryCounters {
        final PortCounters counters = PortCounters.allocate(CounterAllocator.inMemory(), "bench/0");
        final MemorySegment segment = CounterAllocator.inMemory()
                .allocate(PortCounters.KIND, Labels.of(PortCounters.KIND, "bench/1"), CounterType.COUNTER, PortCounters.names())
                .values();
    }

    @State(Scope.Thread)
    public static class Fields {
        long rxPackets;
        long rxBytes;
        long dropped;
    }

    @State(Scope.Thread)
    public static class Array {
        final long[] values = new long[PortCounters.COUNT];
    }

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    @Benchmark
    public void portCountersFile(FileCounters c, Burst b) {
        PortCounters p = c.counters;
        p.add(PortCounters.RX_PACKETS, b.packets);
        p.add(PortCounters.RX_BYTES, b.bytes);
        p.add(PortCounters.DROPPED, b.drops);
    }

    @Benchmark
    public void portCountersInMemory(MemoryCounters c, Burst b) {
        PortCounters p = c.counters;
        p.add(PortCounters.RX_PACKETS, b.packets);
        p.add(PortCounters.RX_BYTES, b.bytes);
        p.add(PortCounters.DROPPED, b.drops);
    }

    /** Same segment kind as portCountersInMemory, plain get/set instead of opaque: what opaque costs here. */
    @Benchmark
    public void segmentPlain(MemoryCounters c, Burst b) {
        MemorySegment v = c.segment;
        v.set(ValueLayout.JAVA_LONG, PortCounters.RX_PACKETS * 8L, v.get(ValueLayout.JAVA_LONG, PortCounters.RX_PACKETS * 8L) + b.packets);
        v.set(ValueLayout.JAVA_LONG, PortCounters.RX_BYTES * 8L, v.get(ValueLayout.JAVA_LONG, PortCounters.RX_BYTES * 8L) + b.bytes);
        v.set(ValueLayout.JAVA_LONG, PortCounters.DROPPED * 8L, v.get(ValueLayout.JAVA_LONG, PortCounters.DROPPED * 8L) + b.drops);
    }

    /** Same segment, opaque VarHandle access as PortCounters does it, but without the PortCounters object. */
    @Benchmark
    public void segmentOpaque(MemoryCounters c, Burst b) {
        MemorySegment v = c.segment;
        SEGMENT_LONGS.setOpaque(v, PortCounters.RX_PACKETS * 8L, (long) SEGMENT_LONGS.getOpaque(v, PortCounters.RX_PACKETS * 8L) + b.packets);
        SEGMENT_LONGS.setOpaque(v, PortCounters.RX_BYTES * 8L, (long) SEGMENT_LONGS.getOpaque(v, PortCounters.RX_BYTES * 8L) + b.bytes);
        SEGMENT_LONGS.setOpaque(v, PortCounters.DROPPED * 8L, (long) SEGMENT_LONGS.getOpaque(v, PortCounters.DROPPED * 8L) + b.drops);
    }

    /** Same segment, plain load and opaque store: what the PortCounters class comment describes. */
    @Benchmark
    public void segmentPlainLoadOpaqueStore(MemoryCounters c, Burst b) {
        MemorySegment v = c.segment;
        SEGMENT_LONGS.setOpaque(v, PortCounters.RX_PACKETS * 8L, (long) SEGMENT_LONGS.get(v, PortCounters.RX_PACKETS * 8L) + b.packets);
        SEGMENT_LONGS.setOpaque(v, PortCounters.RX_BYTES * 8L, (long) SEGMENT_LONGS.get(v, PortCounters.RX_BYTES * 8L) + b.bytes);
        SEGMENT_LONGS.setOpaque(v, PortCounters.DROPPED * 8L, (long) SEGMENT_LONGS.get(v, PortCounters.DROPPED * 8L) + b.drops);
    }

    private static final VarHandle SEGMENT_LONGS = ValueLayout.JAVA_LONG.varHandle();

    @Benchmark
    public void plainFields(Fields f, Burst b) {
        f.rxPackets += b.packets;
        f.rxBytes += b.bytes;
        f.dropped += b.drops;
    }

    @Benchmark
    public void plainArray(Array a, Burst b) {
        long[] v = a.values;
        v[PortCounters.RX_PACKETS] += b.packets;
        v[PortCounters.RX_BYTES] += b.bytes;
        v[PortCounters.DROPPED] += b.drops;
    }

    @Benchmark
    public void opaqueArray(Array a, Burst b) {
        long[] v = a.values;
        opaqueAdd(v, PortCounters.RX_PACKETS, b.packets);
        opaqueAdd(v, PortCounters.RX_BYTES, b.bytes);
        opaqueAdd(v, PortCounters.DROPPED, b.drops);
    }

    private static void opaqueAdd(long[] v, int i, long delta) {
        LONGS.setOpaque(v, i, (long) LONGS.getOpaque(v, i) + delta);
    }

    // ------------------------------------------------------------------ inside a forwarding loop

    @State(Scope.Thread)
    public static class Loop {
        /** Where the queue's counters live: memory (in-process) or file (counters file in /dev/shm). */
        @Param({"memory", "file"})
        public String counters;

        @Param({"64"})
        public int burst;

        CountersFile file;
        XskKernelSimulator sim;
        PlainForwardLoop loop;

        @Setup(Level.Trial)
        public void setUp() {
            CounterAllocator allocator = switch (counters) {
                case "memory" -> CounterAllocator.inMemory();
                case "file" -> file = CountersFile.create("bench-counters-loop");
                default -> throw new IllegalArgumentException("counters is memory or file, not " + counters);
            };
            byte[] frame = new byte[60];
            for (int i = 0; i < 12; i++) {
                frame[i] = (byte) (i + 1);
            }
            frame[12] = 0x08;
            sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, frame, false, false, allocator).prefilled();
            loop = new PlainForwardLoop(sim.queue(), ForwardMode.MACSWAP, burst);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            long rx = sim.queue().counters().get(PortCounters.RX_PACKETS);
            sim.close();
            if (file != null) {
                file.close();
            }
            if (rx == 0) {
                throw new IllegalStateException("the loop received nothing");
            }
        }
    }

    /** One kernel turn (deliver a burst, complete TX) and one burst of the forwarding loop. */
    @Benchmark
    public int forwardLoop(Loop l) {
        l.sim.step(l.burst);
        return l.loop.doWork();
    }
}
