package dev.sluice.benchmarks.afxdp;

import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.benchmarks.pipeline.PlainForwardLoop;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.sys.LibC;
import dev.sluice.umem.UmemConfig;
import org.openjdk.jmh.annotations.AuxCounters;
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

import java.util.concurrent.TimeUnit;

/**
 * The user-space cost of the AF_XDP data path: a {@link PlainForwardLoop} over a real
 * {@code AfXdpQueue}, whose kernel side (FILL → RX, TX → COMPLETION, descriptors only) is played by
 * a thread pinned to the other core. No syscalls: the simulated TX ring never asks for a kick, as
 * in zero-copy mode. Score: the {@code packets} counter (packets per second; ns/packet = 1e9 /
 * score); the primary {@code ops} are bursts, empty polls included.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar XskPathBenchmark -prof gc
 * </pre>
 * Targets (issue 3): ≤ 5 ns/packet rxonly at burst 64, ≤ 16.8 ns/packet macswap (40 GbE line rate
 * at 64 B on one core).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
public class XskPathBenchmark {
    @Param({"8", "32", "64"})
    public int burst;

    @Param({"RXONLY", "MACSWAP"})
    public ForwardMode mode;

    /** Frames kept in the FILL ring (fwd's --frames). */
    @Param({"512"})
    public int framesInFlight;

    /**
     * Where the simulated kernel runs: {@code core0}, a thread pinned to the other core (the real
     * set-up: descriptors cross cores); {@code inline}, in the benchmark thread before each burst
     * (one core, no cache-line transfers: the instruction cost of both sides together, an upper
     * bound on the user side's own cost).
     */
    @Param({"core0"})
    public String kernel;
    private boolean inline;

    /**
     * Also time every burst that moved packets ({@code System.nanoTime} around it) and report the
     * total as {@code busyNanos}: busyNanos / packets = the user side's own nanoseconds per packet,
     * whether or not the simulated kernel on the other core keeps up. Off by default (two clock
     * reads per burst, ~0.3-1 ns per packet at bursts of 64-32, are then part of the figure).
     */
    @Param({"false"})
    public boolean timeBusy;

    private XskKernelSimulator sim;
    private PlainForwardLoop loop;
    private Thread kernelThread;
    private volatile boolean running;

    /** Packets handled, the score that matters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Packets {
        public long packets;
        /** Nanoseconds spent in bursts that moved packets (only with {@code timeBusy}). */
        public long busyNanos;

        @Setup(Level.Trial)
        public void pin() {
            if (Runtime.getRuntime().availableProcessors() > 1) {
                LibC.pinCurrentThread(1);
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        byte[] frame = new byte[60];
        for (int i = 0; i < 12; i++) {
            frame[i] = (byte) (i + 1);
        }
        sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, framesInFlight, frame, false, false).prefilled();
        loop = new PlainForwardLoop(sim.queue(), mode, burst);
        inline = switch (kernel) {
            case "core0" -> false;
            case "inline" -> true;
            default -> throw new IllegalArgumentException("kernel must be core0 or inline, not " + kernel);
        };
        if (inline) {
            return;
        }
        running = true;
        kernelThread = new Thread(() -> {
            LibC.pinCurrentThread(0);
            while (running) {
                if (sim.step(burst) == 0) {
                    Thread.onSpinWait();
                }
            }
        }, "simulated-kernel");
        kernelThread.setDaemon(true);
        kernelThread.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (kernelThread != null) {
            running = false;
            kernelThread.join();
        }
        sim.close();
    }

    @Benchmark
    public int burst(Packets counters) {
        if (inline) {
            sim.step(burst);
        }
        if (timeBusy) {
            long start = System.nanoTime();
            int n = loop.doWork();
            if (n > 0) {
                counters.busyNanos += System.nanoTime() - start;
                counters.packets += n;
            }
            return n;
        }
        int n = loop.doWork();
        counters.packets += n;
        return n;
    }
}
