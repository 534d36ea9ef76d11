package dev.sluice.benchmarks.lb;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConnectionsConfig;
import dev.sluice.lb.config.EncapsulationConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.HashFields;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Protocol;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.LbCounters;
import dev.sluice.lb.dataplane.LbHandler;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import dev.sluice.lb.stats.BackendView;
import dev.sluice.lb.stats.LbMetrics;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.lb.stats.VipCounts;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;
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
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The balancer's data plane per packet on one core: {@link LbHandler} over bursts of
 * {@value #BURST} 64-byte TCP/IPv4 frames (60 bytes without the FCS) to one VIP of 100 backends, in
 * memory, no driver. Each frame's flow is drawn uniformly from {@code flows} established flows (a
 * 64-bit LCG), stamped into the frame (source address and port) just before the burst, as packets
 * from many clients would arrive; {@link #stampOnly} measures that stamping alone, to subtract.
 *
 * <ul>
 *   <li>{@link #established}: ACK packets of established flows: connection table hit, the backend
 *       still in the VIP, forwarded by the VIP's mode;</li>
 *   <li>{@link #syn}: SYN packets (no ACK) of the same flows: the Maglev choice, inserted (replacing
 *       the flow's entry), forwarded;</li>
 *   <li>{@link #establishedTwoWorkers}: {@link #established} on two JMH threads, each with its own
 *       handler, connection table and frames (what two workers do on two CPUs; no feeder thread).
 *       The score is per packet and per worker: two workers forward {@code 2 × one-worker score /
 *       this score} times as much as one.</li>
 * </ul>
 * The handler counts per VIP and per backend too ({@link LbStats} rows given out by an
 * {@link LbMetrics}, as the balancer runs it); the teardown checks the VIP's packets against the
 * handler's forwarded counter.
 *
 * <p>Setup establishes every flow by running one ACK packet of it through the handler (a miss: Maglev
 * and insert). Each worker's connection table holds four times the flows (a set-associative table
 * loses about 0.4 % of the flows at a quarter load; their packets take the miss path). The teardown
 * prints the handler's counters and fails the trial when a packet was not forwarded.
 *
 * <pre>
 * benchmarks/jmh LbHandlerBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class LbHandlerBenchmark {
    static final int BURST = 32;
    /** Frame length without the FCS: 64 bytes on the wire. */
    static final int LENGTH = 60;
    static final int FRAME = 2048;
    /** Room before each packet for encapsulation, as a UMEM frame has. */
    static final int HEADROOM = 256;
    static final int BACKENDS = 100;
    static final long OWN_MAC = 0x02_00_00_00_00_01L;
    static final long CLIENT_MAC = 0x02_00_00_00_00_02L;
    static final long NEXT_HOP_MAC = 0x02_00_00_00_00_99L;
    static final int VIP = 0x0a00_0064;         // 10.0.0.100
    static final int VIP_PORT = 80;
    static final int CLIENTS = 0xc612_0000;      // 198.18.0.0/15, flow i from 198.18.0.0 + i
    static final int TCP_ACK = 0x10;
    static final int TCP_SYN = 0x02;

    // Frame layout (Ethernet, IPv4 without options, TCP without options)
    static final int IP = 14;
    static final int IP_SRC = IP + 12;
    static final int TCP = IP + 20;
    static final int TCP_FLAGS = TCP + 13;

    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Param({"10000", "1000000"})
    public int flows;

    /** dsr (MACs only), ipip (an outer IPv4 header prepended). */
    @Param({"dsr"})
    public String forwarding;

    private Arena arena;
    private MemorySegment frames;
    private PacketBatch batch;
    private Verdicts verdicts;
    private ConnectionTable connections;
    private LbCounters counters;
    private LbHandler handler;
    private LbStats stats;
    private LbMetrics metrics;
    /** Flows of the stamped packets, and their count (every benchmark stamps each packet it measures once). */
    private PacketDraw draw;

    @Setup(Level.Trial)
    public void setUp() {
        draw = new PacketDraw(flows);
        arena = Arena.ofShared();
        frames = arena.allocate((long) FRAME * BURST, FRAME);
        for (int j = 0; j < BURST; j++) {
            writeFrame(frames, frameAt(j));
        }
        batch = new PacketBatch(frames, BURST, FRAME);
        verdicts = Verdicts.forBurst(new int[BURST]); // every packet received on port 0; reused
        LbConfig config = config(Forwarding.valueOf(forwarding.toUpperCase()));
        stats = new LbStats(1, 2 + BACKENDS);
        metrics = new LbMetrics(stats, CounterAllocator.inMemory());
        metrics.apply(config);
        LbTables tables = new LbTablesBuilder().build(config, OWN_MAC, 1500,
                (target, mode) -> mode == Forwarding.DSR ? 0x02_00_00_00_10_00L | (target.getAddress()[3] & 0xFF) : NEXT_HOP_MAC,
                List.of(), metrics);
        connections = new ConnectionTable(4 * flows, TimeUnit.SECONDS.toNanos(300), TimeUnit.SECONDS.toNanos(30));
        counters = new LbCounters();
        handler = new LbHandler(new Published<>(tables), connections, counters, stats.worker(0), System::nanoTime);
        // establish every flow: one ACK packet each (connection table miss, Maglev, insert)
        for (int f = 0; f < flows; f += BURST) {
            int n = Math.min(BURST, flows - f);
            batch.clear();
            for (int j = 0; j < n; j++) {
                long at = frameAt(j);
                stamp(at, f + j, TCP_ACK);
                batch.add(at, LENGTH);
            }
            if (n == BURST) {
                handler.onBurst(batch, verdicts);
            } else {
                Verdicts v = Verdicts.forBurst(new int[n]);
                handler.onBurst(batch, v);
            }
        }
        if (counters.get(LbCounters.FORWARDED) != flows) {
            throw new IllegalStateException("setup forwarded " + counters.get(LbCounters.FORWARDED) + " of " + flows
                    + " packets: " + counters);
        }
    }

    /** CPU time of this thread per packet over the iteration, printed ({@link PacketDraw}). */
    @Setup(Level.Iteration)
    public void startIteration() {
        draw.startIteration();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        draw.endIteration(forwarding + " flows=" + flows);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long forwarded = counters.get(LbCounters.FORWARDED);
        long hit = counters.get(LbCounters.CONN_HIT);
        long miss = counters.get(LbCounters.CONN_MISS);
        System.out.printf("%n[%s, %d flows] forwarded %d, conn_hit %d, conn_miss %d (%.2f %% hits), evictions %d, new_flows %d, "
                        + "dropped %d; table %d/%d%n", forwarding, flows, forwarded, hit, miss,
                100.0 * hit / Math.max(1, hit + miss), counters.get(LbCounters.CONN_EVICTION), counters.get(LbCounters.NEW_FLOWS),
                counters.get(LbCounters.DROPPED), connections.size(), connections.capacity());
        long dropped = counters.get(LbCounters.DROPPED);
        metrics.update(ALL_UP);
        VipCounts vip = metrics.vip("bench");
        metrics.close();
        handler = null;
        stats.close();
        connections.close();
        arena.close();
        if (dropped != 0) {
            throw new IllegalStateException("the handler dropped " + dropped + " packets: the benchmark measured drops");
        }
        if (vip.packets() != forwarded || vip.bytes() != forwarded * LENGTH) {
            throw new IllegalStateException("the VIP's statistics say " + vip + ", the handler forwarded " + forwarded);
        }
    }

    static long frameAt(int j) {
        return (long) j * FRAME + HEADROOM;
    }

    /**
     * Makes the frame at {@code at} a packet of flow {@code f}: client address and port, TCP flags,
     * and the Ethernet header again (dsr rewrote its MACs; an encapsulation wrote its outer header
     * over it). The IPv4 header checksum is left as it was: the handler does not check it.
     */
    private void stamp(long at, int f, int flags) {
        MemorySegment s = frames;
        s.set(INT_BE, at, (int) (OWN_MAC >>> 16));
        s.set(SHORT_BE, at + 4, (short) OWN_MAC);
        s.set(SHORT_BE, at + 6, (short) (CLIENT_MAC >>> 32));
        s.set(INT_BE, at + 8, (int) CLIENT_MAC);
        s.set(SHORT_BE, at + 12, (short) 0x0800);
        s.set(INT_BE, at + IP_SRC, CLIENTS + f);
        s.set(SHORT_BE, at + TCP, (short) (1024 + (f & 0x7FFF)));
        s.set(ValueLayout.JAVA_BYTE, at + TCP_FLAGS, (byte) flags);
    }

    /** One burst of {@code flags} packets of random established flows, through the handler. */
    private int burst(int flags) {
        PacketBatch b = batch;
        b.clear();
        for (int j = 0; j < BURST; j++) {
            long at = frameAt(j);
            stamp(at, draw.nextFlow(), flags);
            b.add(at, LENGTH);
        }
        handler.onBurst(b, verdicts);
        return verdicts.code(BURST - 1);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int established() {
        return burst(TCP_ACK);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int syn() {
        return burst(TCP_SYN);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BURST)
    public int establishedTwoWorkers() {
        return burst(TCP_ACK);
    }

    /** The stamping and batch filling of {@link #established} without the handler: the benchmark's own cost. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long stampOnly() {
        PacketBatch b = batch;
        b.clear();
        for (int j = 0; j < BURST; j++) {
            long at = frameAt(j);
            stamp(at, draw.nextFlow(), TCP_ACK);
            b.add(at, LENGTH);
        }
        return b.address(BURST - 1);
    }

    /** The frame every stamp starts from: Ethernet, IPv4 (DF, TTL 64, checksum), TCP to the VIP, zero padding. */
    static void writeFrame(MemorySegment s, long at) {
        s.asSlice(at, LENGTH).fill((byte) 0);
        s.set(SHORT_BE, at + 12, (short) 0x0800);
        s.set(ValueLayout.JAVA_BYTE, at + IP, (byte) 0x45);
        s.set(SHORT_BE, at + IP + 2, (short) 40);
        s.set(SHORT_BE, at + IP + 6, (short) 0x4000);
        s.set(ValueLayout.JAVA_BYTE, at + IP + 8, (byte) 64);
        s.set(ValueLayout.JAVA_BYTE, at + IP + 9, (byte) 6);
        s.set(INT_BE, at + IP_SRC, CLIENTS);
        s.set(INT_BE, at + IP + 16, VIP);
        int sum = 0;
        for (int k = 0; k < 20; k += 2) {
            sum += s.get(SHORT_BE, at + IP + k) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        s.set(SHORT_BE, at + IP + 10, (short) ~sum);
        s.set(SHORT_BE, at + TCP, (short) 1024);
        s.set(SHORT_BE, at + TCP + 2, (short) VIP_PORT);
        s.set(INT_BE, at + TCP + 4, 1);
        s.set(INT_BE, at + TCP + 8, 1);
        s.set(ValueLayout.JAVA_BYTE, at + TCP + 12, (byte) 0x50);
        s.set(ValueLayout.JAVA_BYTE, at + TCP_FLAGS, (byte) TCP_ACK);
        s.set(SHORT_BE, at + TCP + 14, (short) 65535);
    }

    /** One TCP VIP 10.0.0.100:80 with 100 backends 10.1.0.1..100 of equal weight, MACs 02:00:00:00:10:xx. */
    private static LbConfig config(Forwarding mode) {
        List<BackendConfig> backends = new ArrayList<>();
        for (int b = 1; b <= BACKENDS; b++) {
            backends.add(new BackendConfig(ip("10.1.0." + b), BackendConfig.DEFAULT_WEIGHT,
                    mode == Forwarding.DSR ? 0x02_00_00_00_10_00L | b : BackendConfig.MAC_FROM_KERNEL));
        }
        VipConfig vip = new VipConfig("bench", ip("10.0.0.100"), Protocol.TCP, VIP_PORT, mode, HashFields.FIVE_TUPLE,
                VipConfig.DEFAULT_TABLE_SIZE, VipConfig.DEFAULT_GUE_PORT, backends, null);
        return new LbConfig(null, "bench0", 1, List.of(vip), ConnectionsConfig.defaults(),
                new EncapsulationConfig((Inet4Address) ip("192.0.2.0"), 24, (Inet6Address) ip("2001:db8::"), 64,
                        BackendConfig.MAC_FROM_KERNEL));
    }

    /** Gauges for the teardown's update: every backend up with its configured weight. */
    private static final BackendView ALL_UP = new BackendView() {
        @Override
        public boolean up(String vip, InetAddress backend) {
            return true;
        }

        @Override
        public boolean drained(String vip, InetAddress backend) {
            return false;
        }

        @Override
        public int weight(String vip, InetAddress backend) {
            return BackendConfig.DEFAULT_WEIGHT;
        }

        @Override
        public int effectiveWeight(String vip, InetAddress backend) {
            return BackendConfig.DEFAULT_WEIGHT;
        }

        @Override
        public long healthChanges(String vip, InetAddress backend) {
            return 0;
        }
    };

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
