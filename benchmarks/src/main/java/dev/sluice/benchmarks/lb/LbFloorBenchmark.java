package dev.sluice.benchmarks.lb;

import dev.sluice.lb.conntrack.FlowKey;
import dev.sluice.sys.AddressSpace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * A bound for {@link LbHandlerBenchmark#established}: the least work its job needs, written as one
 * flat loop with nothing else, so that the handler's cost can be read against it. Same frames (60
 * bytes, TCP/IPv4, stamped with a random one of {@code flows} established flows), same burst, same
 * connection-table layout (128-byte buckets of four 32-byte ways, a quarter full) and key hash,
 * same loads of the bucket lines for the whole burst before the lookups. Left out, and what the
 * handler does besides: the full header walk (here: EtherType, version/IHL and protocol compared to
 * constants), the VIP lookup, the idle-timeout check and last-seen refresh, the backend id to index
 * map, verdicts, counters and per-VIP/per-backend statistics.
 *
 * <p>{@link #floorTwoThreads} runs it on two JMH threads, each with its own table and frames (the
 * score is per packet and per thread): how two CPUs of this machine scale on this job with no
 * shared state at all, the bound for {@link LbHandlerBenchmark#establishedTwoWorkers}.
 *
 * <pre>
 * benchmarks/jmh 'LbFloorBenchmark|LbHandlerBenchmark.established' -p flows=10000
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class LbFloorBenchmark {
    static final int BURST = LbHandlerBenchmark.BURST;
    static final int FRAME = LbHandlerBenchmark.FRAME;
    static final int IP = LbHandlerBenchmark.IP;
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT_UNALIGNED.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.varHandle();

    @Param({"10000", "1000000"})
    public int flows;

    private Arena arena;
    private MemorySegment frames;
    private long framesBase;
    private MemorySegment table;
    private long tableBase;
    private long bucketMask;
    private long[] macs = new long[100];
    private PacketDraw draw;
    private final long[] addr = new long[BURST];
    private final long[] meta = new long[BURST];
    private final long[] lo = new long[BURST];
    private final long[] bucket = new long[BURST];
    private final int[] codes = new int[BURST];
    /** Where the burst's bucket loads go, so that the compiler keeps them. */
    private long sinkOut;
    private long forwarded;

    @Setup(Level.Trial)
    public void setUp() {
        draw = new PacketDraw(flows);
        arena = Arena.ofShared();
        frames = arena.allocate((long) FRAME * BURST, FRAME);
        framesBase = frames.address();
        for (int j = 0; j < BURST; j++) {
            LbHandlerBenchmark.writeFrame(frames, LbHandlerBenchmark.frameAt(j));
        }
        for (int b = 0; b < 100; b++) {
            macs[b] = 0x02_00_00_00_10_00L | b;
        }
        int buckets = Integer.highestOneBit(flows - 1) << 1; // 4 * flows / 4 ways
        bucketMask = buckets - 1;
        table = arena.allocate((long) buckets * 128, 128);
        tableBase = table.address();
        for (int f = 0; f < flows; f++) {
            long m = meta(ports(f));
            long l = srcLo(f);
            long b = tableBase + (hash(m, l) & bucketMask) * 128;
            for (int w = 0; w < 4; w++) {
                long way = b + w * 32L;
                if ((long) LONG.get(AddressSpace.ALL, way + 24) == 0) {
                    LONG.set(AddressSpace.ALL, way, m);
                    LONG.set(AddressSpace.ALL, way + 8, 0L);
                    LONG.set(AddressSpace.ALL, way + 16, l);
                    LONG.set(AddressSpace.ALL, way + 24, (1L << 32) | (1 + f % 100));
                    break;
                }
            }
        }
    }

    static int ports(int f) {
        return (1024 + (f & 0x7FFF)) << 16 | 80;
    }

    static long srcLo(int f) {
        return 0x0000_FFFF_0000_0000L | ((0xc6120000 + f) & 0xFFFF_FFFFL);
    }

    /** The key's meta word: VIP 1, TCP, the ports. */
    static long meta(int ports) {
        return FlowKey.meta(1, FlowKey.TCP, ports);
    }

    static long hash(long m, long l) {
        return FlowKey.hash(m, 0, l);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        draw.startIteration();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        draw.endIteration("floor flows=" + flows);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BURST)
    public long floorTwoThreads() {
        return floor();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long floor() {
        MemorySegment s = frames;
        for (int j = 0; j < BURST; j++) {
            long at = LbHandlerBenchmark.frameAt(j);
            int f = draw.nextFlow();
            s.set(INT_BE, at, 0x02000000);
            s.set(SHORT_BE, at + 4, (short) 1);
            s.set(SHORT_BE, at + 6, (short) 0x0200);
            s.set(INT_BE, at + 8, 2);
            s.set(INT_BE, at + IP + 12, 0xc6120000 + f);
            s.set(SHORT_BE, at + IP + 20, (short) (1024 + (f & 0x7FFF)));
            s.set(ValueLayout.JAVA_BYTE, at + IP + 33, (byte) 0x10);
            addr[j] = framesBase + at;
        }
        return handle();
    }

    private long handle() {
        final MemorySegment all = AddressSpace.ALL;
        long mask = bucketMask;
        long tb = tableBase;
        long sink = 0;
        for (int i = 0; i < BURST; i++) {
            long a = addr[i];
            codes[i] = -1;
            if ((short) SHORT.get(all, a + 12) != (short) 0x0008 || (byte) all.get(ValueLayout.JAVA_BYTE, a + 14) != 0x45
                    || all.get(ValueLayout.JAVA_BYTE, a + 23) != 6) {
                continue;
            }
            int src = Integer.reverseBytes((int) INT.get(all, a + 26));
            int ports = Integer.reverseBytes((int) INT.get(all, a + 34));
            long m = meta(ports);
            long l = 0x0000_FFFF_0000_0000L | (src & 0xFFFF_FFFFL);
            meta[i] = m;
            lo[i] = l;
            long b = tb + (hash(m, l) & mask) * 128;
            bucket[i] = b;
            codes[i] = 0;
        }
        for (int i = 0; i < BURST; i++) {
            sink ^= (long) LONG.get(all, bucket[i] + 24);
        }
        long fw = 0;
        for (int i = 0; i < BURST; i++) {
            if (codes[i] != 0) {
                continue;
            }
            long b = bucket[i];
            long m = meta[i];
            long l = lo[i];
            int backend = -1;
            for (int w = 0; w < 4; w++) {
                long way = b + w * 32L;
                long v = (long) LONG.get(all, way + 24);
                if (v == 0) {
                    break;
                }
                if ((long) LONG.get(all, way) == m && (long) LONG.get(all, way + 16) == l && (long) LONG.get(all, way + 8) == 0) {
                    backend = (int) v - 1;
                    break;
                }
            }
            if (backend < 0) {
                codes[i] = -1;
                continue;
            }
            long a = addr[i];
            long mac = macs[backend];
            SHORT.set(all, a, Short.reverseBytes((short) (mac >>> 32)));
            INT.set(all, a + 2, Integer.reverseBytes((int) mac));
            SHORT.set(all, a + 6, (short) 0x0002);
            INT.set(all, a + 8, 0x01000000);
            fw++;
        }
        forwarded += fw;
        sinkOut = sink;
        return sink + fw;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        if (forwarded < draw.packets() * 99 / 100) { // a bucket a quarter full on average rarely overflows
            throw new IllegalStateException("the floor forwarded " + forwarded + " of " + draw.packets() + " packets");
        }
    }
}
