package dev.sluice.benchmarks.lb;

import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.conntrack.FlowKey;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

/**
 * The connection table alone: nanoseconds per lookup of an established flow, a burst of
 * {@value #BURST} flows drawn uniformly from {@code flows} established ones per invocation, with and
 * without touching the burst's buckets first ({@link ConnectionTable#prefetch}); and per insert
 * (replacing a flow's entry, what a SYN of a known 5-tuple costs).
 * <p>
 * Each flow is an IPv4 TCP 5-tuple computed from its number (no key array to miss in the cache:
 * only the table's memory is touched at random), flows picked by a 64-bit LCG, the key set (and
 * hashed) inside the measured loop as the handler does per packet. The table holds four times the
 * flows, so that almost every flow found room in its bucket (a set-associative table loses about
 * 0.4 % of the flows at a quarter load); {@code hits} / {@code lookups} in the output shows the share
 * that hit. The clock is read once per burst, as the handler does.
 *
 * <pre>
 * benchmarks/jmh ConnectionTableBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ConnectionTableBenchmark {
    static final int BURST = 32;
    static final int VIP = 0x0a00_0064;
    static final long IDLE = TimeUnit.SECONDS.toNanos(300);

    @Param({"10000", "1000000"})
    public int flows;

    private ConnectionTable table;
    private final FlowKey[] keys = new FlowKey[BURST];
    private long rng = 0x9E37_79B9_7F4A_7C15L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Keys set by this thread (each measured operation sets one). */
    private long operations;
    private long iterationOperations;
    private long iterationCpuNanos;

    /** Lookups and those that hit, to check that the benchmark measures hits. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Hits {
        public long lookups;
        public long hits;
    }

    @Setup(Level.Trial)
    public void setUp() {
        table = new ConnectionTable(4 * flows, IDLE, IDLE);
        for (int j = 0; j < BURST; j++) {
            keys[j] = new FlowKey();
        }
        FlowKey k = keys[0];
        long now = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            setFlow(k, i);
            table.insert(k, i % 100, now);
        }
    }

    /**
     * CPU time of this thread per operation over the iteration, printed: on a shared machine the
     * JMH score counts the time other processes held the CPU too, the thread's CPU time does not.
     */
    @Setup(Level.Iteration)
    public void startIteration() {
        iterationOperations = operations;
        iterationCpuNanos = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        long cpu = THREADS.getCurrentThreadCpuTime() - iterationCpuNanos;
        long n = operations - iterationOperations;
        System.out.printf("[cpu] flows=%d: %.2f ns of thread CPU time per operation over %d%n", flows, cpu / (double) Math.max(1, n), n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n[flows %d] table capacity %d, size %d, evictions at setup %d%n",
                flows, table.capacity(), table.size(), table.evictions());
        table.close();
    }

    /** Flow {@code i}: source 10.x.y.z = 10.0.0.0 + i, source port from i, to the VIP's port 80. */
    static void setFlow(FlowKey k, int i) {
        k.ipv4(0, FlowKey.TCP, 0x0a00_0000 + i, 1024 + (i % 60_000), 80);
    }

    /** The next flow number, uniform in [0, flows). */
    private int nextFlow() {
        long x = rng * 6364136223846793005L + 1442695040888963407L;
        rng = x;
        return (int) (((x >>> 32) * flows) >>> 32);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int lookup(Hits h) {
        final ConnectionTable t = table;
        final FlowKey[] ks = keys;
        final long now = System.nanoTime();
        int found = 0;
        for (int j = 0; j < BURST; j++) {
            FlowKey k = ks[j];
            setFlow(k, nextFlow());
            found += t.lookup(k, now) >= 0 ? 1 : 0;
        }
        operations += BURST;
        h.lookups += BURST;
        h.hits += found;
        return found;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int lookupPrefetched(Hits h) {
        final ConnectionTable t = table;
        final FlowKey[] ks = keys;
        final long now = System.nanoTime();
        for (int j = 0; j < BURST; j++) {
            FlowKey k = ks[j];
            setFlow(k, nextFlow());
            t.prefetch(k);
        }
        int found = 0;
        for (int j = 0; j < BURST; j++) {
            found += t.lookup(ks[j], now) >= 0 ? 1 : 0;
        }
        operations += BURST;
        h.lookups += BURST;
        h.hits += found;
        return found;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void insertPrefetched() {
        final ConnectionTable t = table;
        final FlowKey[] ks = keys;
        final long now = System.nanoTime();
        for (int j = 0; j < BURST; j++) {
            FlowKey k = ks[j];
            setFlow(k, nextFlow());
            t.prefetch(k);
        }
        for (int j = 0; j < BURST; j++) {
            t.insert(ks[j], j, now);
        }
        operations += BURST;
    }
}
