package dev.sluice.benchmarks.pipeline;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.drivers.memory.MemoryPorts;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.pipeline.runtime.IdleStrategies;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.pipeline.runtime.WorkerCounters;
import dev.sluice.sys.LibC;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;
import org.agrona.concurrent.AgentRunner;
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

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Packets per second through the pipeline runtime, fed and drained by the JMH thread over in-process
 * memory ports ({@link MemoryPorts#pair}): the pipeline receives on the inner end of each pair,
 * MAC-swaps every packet with the very handler {@code sluice fwd} uses
 * ({@link ForwardHandler}, macswap) and sends it back out the port it came in on; the JMH thread (the
 * "wire") receives what came out, counts it and sends the same frames in again, each stamped with the
 * next flow as {@code sluice gen --flows} does.
 *
 * <pre>
 *   JMH thread ("wire", CPU 0)                      pipeline
 *   wire0.transmit --ring a->b--> port0.receive -> worker(s) -> port0.transmit --ring b->a--> wire0.receive
 *          ^-------------------------- same frames, sent again ------------------------------------'
 * </pre>
 *
 * The wire is a {@link Wire}: every packet it sends is stamped with the next of 1024 flows, so that
 * the Toeplitz hash sees an even mix of flows in every burst. (Giving each frame a fixed flow instead
 * would skew a closed loop: frames whose flow goes to the faster worker come back sooner and make
 * more round trips; a first version measured a 68/32 split that way.) It keeps at most
 * {@code window} packets in flight per pair, below every ring's capacity (1024), so no ring
 * overflows and nothing is dropped on purpose; the teardown prints the drop counters, which must be
 * 0, and each worker's share of the packets.
 *
 * <h2>Shapes (the {@code shape} parameter, compared side by side in one run)</h2>
 * <ul>
 *   <li>{@code LOOP}: no pipeline, a {@link PlainForwardLoop} (macswap) on an Agrona agent with the
 *       same idle strategy: the baseline, what a hand-written loop without a runtime forwards;</li>
 *   <li>{@code RTC1}: one worker, run to completion (receive, handler, transmit on one thread): what
 *       {@code sluice fwd} runs for one queue;</li>
 *   <li>{@code HASH2}: one port spread over two workers by software symmetric Toeplitz hashing
 *       (worker 0 owns the port, receives, hashes every packet, keeps its share and hands the rest to
 *       worker 1 through an SPSC work ring; worker 1 sends its packets back through an egress ring
 *       to worker 0, which transmits them);</li>
 *   <li>{@code STAGED2}: two stages of one worker each joined by an SPSC ring: stage 0 receives and
 *       hands every packet on, stage 1 runs the macswap handler, and its transmits go back to the
 *       port's owner (stage 0) through an egress ring;</li>
 *   <li>{@code PORTS2}: two pairs, two workers, one port each, no hashing (the wire feeds both).</li>
 * </ul>
 *
 * <h2>CPUs: two workers plus the feeder oversubscribe a 2-CPU machine</h2>
 * With {@code cpus=auto} the wire (JMH thread) is pinned to CPU 0, worker 0 (the port owner, which does
 * most of the work) and the {@code LOOP} thread to CPU 1, and a second worker to CPU 0, <em>sharing it
 * with the wire</em>. On a 2-CPU machine the two-worker shapes therefore measure the runtime's
 * hand-off overhead and scheduling, not scaling: a second worker can only add throughput on a machine
 * with a third CPU (pass {@code -p cpus=1,2 -p feederCpu=0}). The wire yields the CPU after a call
 * that got nothing back ({@code feederIdle=yield}), so that a worker sharing its CPU gets to run; the
 * workers' idle strategy is {@code backoff} (the library's default: spin, yield, then park; {@code sluice
 * fwd} uses {@code spin}), which lets the wire run when a shared worker has nothing to do.
 *
 * <h2>Threads or one thread (the {@code drive} parameter)</h2>
 * With {@code drive=threads} (the default) the shapes run as above, and which of two levels a fork
 * lands on (how the host places the two vCPUs' threads) moves LOOP and RTC1 by more than what the
 * runtime costs. {@code drive=invoked} runs the forwarder on the JMH thread after each wire call (a
 * pipeline built with {@link Pipeline.Builder#startInvoked()}): no thread placement, the wire's work
 * included in both. {@link RuntimeOverhead} alternates the two one-thread contenders in slices of
 * milliseconds within one JVM, which is what settles "RTC1 against LOOP" on a noisy host.
 *
 * <p>Score: the {@code packets} counter, packets that came back out of the pipeline per second (the
 * primary {@code ops} are calls of the wire, empty ones included). Compare the shapes' ratios within
 * one run. {@code -prof gc} counts every thread's allocation (the workers' too) per wire call.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PipelineBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
public class PipelineBenchmark {
    /** Slots of every ring: the pairs' and the pipeline's links. */
    static final int RING = 1024;

    public enum Shape { LOOP, RTC1, HASH2, STAGED2, PORTS2 }

    @Param({"LOOP", "RTC1", "HASH2", "STAGED2", "PORTS2"})
    public Shape shape;

    /** Packets per burst, in the pipeline and on the wire. */
    @Param({"64"})
    public int burst;

    /** Packets in flight per pair at most (below {@value #RING}: no ring can overflow). */
    @Param({"512"})
    public int window;

    /** The workers' (and the LOOP thread's) idle strategy: spin, yield, backoff, ... */
    @Param({"backoff"})
    public String idle;

    /** "auto" (see the class comment), "none" (nothing pinned), or a CPU per worker: "1,0". */
    @Param({"auto"})
    public String cpus;

    /** CPU of the wire (the JMH thread), -1 for none. */
    @Param({"0"})
    public int feederCpu;

    /**
     * "threads": the pipeline's workers (or the LOOP agent) run on threads of their own, as in
     * {@code sluice fwd}. "invoked": no thread but JMH's: each wire call ends with one duty cycle of
     * the pipeline ({@link Pipeline#invoke()}) or one turn of the plain loop, so the score is the
     * wire's and the worker's work on one CPU, free of how the host schedules two threads (see the
     * class comment).
     */
    @Param({"threads"})
    public String drive;

    /** What the wire does after a call that got nothing back: "yield" (Thread.yield) or "spin". */
    @Param({"yield"})
    public String feederIdle;

    private Umem umem;
    private SharedFramePool pool;
    private MemoryPorts.Pair[] pairs;
    private Wire wire;
    private boolean yieldWhenIdle;
    private boolean invoked;
    private Pipeline pipeline;
    private AgentRunner loopRunner;
    /** The plain loop when it is driven by the wire ({@code drive=invoked}). */
    private PlainForwardLoop invokedLoop;

    /**
     * Packets that came out of the pipeline (the score), and wire calls that got none back: when
     * {@code emptyCalls} is near 0 and {@code packets} / {@code ops} near {@code burst}, the wire, not
     * the pipeline, was the limit.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Out {
        public long packets;
        public long emptyCalls;
    }

    @Setup(Level.Trial)
    public void setUp() {
        if (window > RING || window < burst) {
            throw new IllegalArgumentException("window must be in burst.." + RING + ", not " + window);
        }
        yieldWhenIdle = switch (feederIdle) {
            case "yield" -> true;
            case "spin" -> false;
            default -> throw new IllegalArgumentException("feederIdle is yield or spin, not " + feederIdle);
        };
        invoked = switch (drive) {
            case "threads" -> false;
            case "invoked" -> true;
            default -> throw new IllegalArgumentException("drive is threads or invoked, not " + drive);
        };
        umem = Umem.allocate(UmemConfig.defaults());
        Wire.writeFrames(umem);
        pool = SharedFramePool.of(umem);
        int wireCount = shape == Shape.PORTS2 ? 2 : 1;
        pairs = new MemoryPorts.Pair[wireCount];
        MemoryPort[] outer = new MemoryPort[wireCount];
        MemoryPort[] inner = new MemoryPort[wireCount];
        for (int i = 0; i < wireCount; i++) {
            pairs[i] = MemoryPorts.pair(pool, RING, "wire" + i, "port" + i);
            outer[i] = pairs[i].a();
            inner[i] = pairs[i].b();
        }
        wire = new Wire(umem, outer, burst, window);
        int[] workerCpus = invoked ? new int[0] : workerCpus();
        if (shape == Shape.LOOP && invoked) {
            invokedLoop = new PlainForwardLoop(inner[0], ForwardMode.MACSWAP, burst);
        } else if (shape == Shape.LOOP) {
            loopRunner = new AgentRunner(IdleStrategies.byName(idle).get(), Throwable::printStackTrace, null,
                    new LoopAgent(new PlainForwardLoop(inner[0], ForwardMode.MACSWAP, burst), workerCpus.length > 0 ? workerCpus[0] : -1));
            AgentRunner.startOnThread(loopRunner);
        } else {
            Pipeline.Builder b = Pipeline.builder().ports(inner).burst(burst).ringSize(RING).idle(idle).cpus(workerCpus)
                    .handler(() -> new ForwardHandler(ForwardMode.MACSWAP));
            switch (shape) {
                case RTC1 -> { }
                case HASH2 -> b.workers(2).hashing(Toeplitz.symmetric());
                case STAGED2 -> b.handler(() -> (batch, verdicts) -> verdicts.nextStageAll())
                        .stage(() -> new ForwardHandler(ForwardMode.MACSWAP), 1);
                case PORTS2 -> b.workers(2);
                default -> throw new IllegalStateException();
            }
            pipeline = invoked ? b.startInvoked() : b.start();
        }
        // Pinned after the workers started: threads inherit their creator's affinity.
        if (feederCpu >= 0) {
            LibC.pinCurrentThread(feederCpu);
        }
    }

    private int[] workerCpus() {
        int workers = shape == Shape.LOOP || shape == Shape.RTC1 ? 1 : 2;
        return switch (cpus) {
            case "auto" -> workers == 1 ? new int[] {1} : new int[] {1, 0};
            case "none" -> new int[0];
            default -> Arrays.stream(cpus.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        };
    }

    /** One turn of the wire on each pair (see {@link Wire}); with {@code drive=invoked}, then one of the forwarder. */
    @Benchmark
    public int wire(Out out) {
        int got = wire.turn();
        if (invoked) {
            if (pipeline != null) {
                pipeline.invoke();
            } else {
                invokedLoop.doWork();
            }
        }
        if (got == 0) {
            out.emptyCalls++;
            if (yieldWhenIdle && !invoked) {
                Thread.yield();
            }
        }
        out.packets += got;
        return got;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        StringBuilder report = new StringBuilder("\n[" + shape + "] ");
        if (pipeline != null) {
            pipeline.close();
            long dropped = pipeline.total(WorkerCounters.DROPPED) + pipeline.total(WorkerCounters.LINK_FULL)
                    + pipeline.total(WorkerCounters.NO_NEXT_STAGE) + pipeline.total(WorkerCounters.BAD_PORT)
                    + pipeline.total(WorkerCounters.TX_REFUSED);
            report.append("pipeline drops ").append(dropped).append(", errors ").append(pipeline.errors());
            for (int w = 0; w < pipeline.workerCount(); w++) {
                report.append(", worker ").append(w).append(" processed ").append(pipeline.counters(w).get(WorkerCounters.PROCESSED));
            }
        } else if (loopRunner != null) {
            loopRunner.close();
        }
        long ringFull = 0;
        for (MemoryPorts.Pair p : pairs) {
            ringFull += p.a().counters().get(PortCounters.TX_RING_FULL) + p.b().counters().get(PortCounters.TX_RING_FULL);
        }
        report.append("; port ring-full drops ").append(ringFull);
        for (MemoryPorts.Pair p : pairs) {
            p.close();
        }
        report.append("; frames back in the pool ").append(pool.available()).append('/').append(umem.frameCount());
        System.out.println(report);
        pool.close();
        umem.close();
    }
}
