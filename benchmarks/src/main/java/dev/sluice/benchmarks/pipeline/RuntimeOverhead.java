package dev.sluice.benchmarks.pipeline;

import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.drivers.memory.MemoryPorts;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.runtime.IdleStrategies;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.sys.LibC;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;
import org.agrona.concurrent.AgentRunner;

import java.util.Arrays;

/**
 * What the pipeline runtime costs over a plain forwarding loop, measured so that the host cannot
 * decide the answer: the two contenders of {@code PipelineBenchmark -p shape=LOOP,RTC1}, each over its
 * own memory-port pair, UMEM and {@link Wire}, take turns in slices of a few milliseconds within one
 * JVM (LOOP then RTC1, then RTC1 then LOOP, ...). Two adjacent slices see the same host, so the ratio
 * of their rates is free of the minutes-long swings that move whole JMH forks (benchmarks/README.md);
 * the median over many pairs is the figure.
 *
 * <ul>
 *   <li>{@code --drive invoked} (default): one thread. Each wire turn is followed by one turn of the
 *       plain loop or one duty cycle of the pipeline ({@link Pipeline#invoke()}); both rates include
 *       the wire's work, the same in both, so the output also gives the runtime's cost in ns per
 *       packet (1 / RTC1 rate - 1 / LOOP rate).</li>
 *   <li>{@code --drive threads}: as in {@code PipelineBenchmark}'s default, the wire on this thread
 *       (CPU 0) and each contender on a thread of its own pinned to CPU 1, idle strategy
 *       {@code backoff}; only the contender whose turn it is gets packets, the other idles. Each slice
 *       starts with {@code --settle-ms} of traffic that is not counted, so that a contender woken
 *       from a park starts its slice running.</li>
 * </ul>
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.sluice.benchmarks.pipeline.RuntimeOverhead [--drive invoked|threads] [--pairs 400] [--slice-ms 20] \
 *     [--warmup-pairs 100] [--settle-ms 2]
 * </pre>
 */
public final class RuntimeOverhead {
    static final int BURST = 64;
    static final int WINDOW = 512;
    static final int RING = 1024;
    static final int WIRE_CPU = 0;
    static final int WORKER_CPU = 1;

    /** One contender: a wire and what forwards its packets back, over memory of its own. */
    private abstract static class Contender implements AutoCloseable {
        final boolean invoked;
        final Umem umem = Umem.allocate(UmemConfig.defaults());
        final SharedFramePool pool;
        final MemoryPorts.Pair pair;
        final Wire wire;

        Contender(boolean invoked) {
            this.invoked = invoked;
            Wire.writeFrames(umem);
            pool = SharedFramePool.of(umem);
            pair = MemoryPorts.pair(pool, RING, "wire", "port");
            wire = new Wire(umem, new MemoryPort[] {pair.a()}, BURST, WINDOW);
        }

        /**
         * Wire turns (each followed by one step of the forwarder when invoked) for {@code settleNanos}
         * uncounted, then for {@code nanos}; returns the packets that came back in the second part.
         */
        final long run(long settleNanos, long nanos) {
            turns(settleNanos);
            return turns(nanos);
        }

        private long turns(long nanos) {
            long deadline = System.nanoTime() + nanos;
            long packets = 0;
            do {
                for (int k = 0; k < 64; k++) {
                    int got = wire.turn();
                    packets += got;
                    if (invoked) {
                        step();
                    } else if (got == 0) {
                        Thread.yield(); // PipelineBenchmark's feederIdle=yield
                    }
                }
            } while (System.nanoTime() - deadline < 0);
            return packets;
        }

        abstract void step();

        @Override
        public void close() {
            pair.close();
            pool.close();
            umem.close();
        }
    }

    private static final class Loop extends Contender {
        private final PlainForwardLoop loop = new PlainForwardLoop(pair.b(), ForwardMode.MACSWAP, BURST);
        private final AgentRunner runner;

        Loop(boolean invoked) {
            super(invoked);
            if (invoked) {
                runner = null;
            } else {
                runner = new AgentRunner(IdleStrategies.byName("backoff").get(), Throwable::printStackTrace, null,
                        new LoopAgent(loop, WORKER_CPU));
                AgentRunner.startOnThread(runner);
            }
        }

        @Override
        void step() {
            loop.doWork();
        }

        @Override
        public void close() {
            if (runner != null) {
                runner.close();
            }
            super.close();
        }
    }

    private static final class Rtc1 extends Contender {
        private final Pipeline pipeline;

        Rtc1(boolean invoked) {
            super(invoked);
            Pipeline.Builder b = Pipeline.builder().ports(pair.b()).burst(BURST).ringSize(RING).idle("backoff")
                    .handler(() -> new ForwardHandler(ForwardMode.MACSWAP));
            pipeline = invoked ? b.startInvoked() : b.cpus(WORKER_CPU).start();
        }

        @Override
        void step() {
            pipeline.invoke();
        }

        @Override
        public void close() {
            pipeline.close();
            super.close();
        }
    }

    public static void main(String[] args) {
        int pairs = 400;
        int warmupPairs = 100;
        long sliceNanos = 20_000_000L;
        long settleNanos = 2_000_000L;
        String drive = "invoked";
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : usage("no value after " + args[i]);
            switch (args[i]) {
                case "--pairs" -> pairs = Integer.parseInt(value);
                case "--warmup-pairs" -> warmupPairs = Integer.parseInt(value);
                case "--slice-ms" -> sliceNanos = Long.parseLong(value) * 1_000_000L;
                case "--settle-ms" -> settleNanos = Long.parseLong(value) * 1_000_000L;
                case "--drive" -> drive = value;
                default -> usage("unknown option " + args[i]);
            }
        }
        if (pairs < 1 || warmupPairs < 0 || sliceNanos <= 0 || settleNanos < 0) {
            usage("pairs and the slice must be positive, warm-up pairs and the settling time not negative");
        }
        boolean invoked = switch (drive) {
            case "invoked" -> true;
            case "threads" -> false;
            default -> usage("--drive is invoked or threads, not " + drive) != null;
        };
        try (Loop loop = new Loop(invoked); Rtc1 rtc1 = new Rtc1(invoked)) {
            LibC.pinCurrentThread(WIRE_CPU); // after the contenders' threads started: they inherit it otherwise
            double[] loopRate = new double[pairs];
            double[] rtc1Rate = new double[pairs];
            double[] ratio = new double[pairs];
            for (int p = -warmupPairs; p < pairs; p++) {
                long l;
                long r;
                if ((p & 1) == 0) {
                    l = loop.run(settleNanos, sliceNanos);
                    r = rtc1.run(settleNanos, sliceNanos);
                } else {
                    r = rtc1.run(settleNanos, sliceNanos);
                    l = loop.run(settleNanos, sliceNanos);
                }
                if (p >= 0) {
                    loopRate[p] = l * 1e3 / sliceNanos; // Mpps
                    rtc1Rate[p] = r * 1e3 / sliceNanos;
                    ratio[p] = (double) r / l;
                }
            }
            double loopMpps = median(loopRate);
            double rtc1Mpps = median(rtc1Rate);
            Arrays.sort(ratio);
            System.out.printf("drive %s: LOOP %.1f Mpps, RTC1 %.1f Mpps (medians of %d slices of %d ms each)%n", drive, loopMpps,
                    rtc1Mpps, pairs, sliceNanos / 1_000_000);
            System.out.printf("result drive=%s RTC1/LOOP median=%.3f p25=%.3f p75=%.3f min=%.3f max=%.3f%s%n", drive,
                    quantile(ratio, 0.5), quantile(ratio, 0.25), quantile(ratio, 0.75), ratio[0], ratio[pairs - 1],
                    invoked ? String.format(" runtime_ns_per_packet=%.2f", 1e3 / rtc1Mpps - 1e3 / loopMpps) : "");
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return quantile(v, 0.5);
    }

    /** Quantile of sorted values (nearest rank). */
    private static double quantile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static String usage(String problem) {
        System.err.println("RuntimeOverhead: " + problem);
        System.err.println("usage: RuntimeOverhead [--drive invoked|threads] [--pairs N] [--warmup-pairs N] [--slice-ms MS]"
                + " [--settle-ms MS]");
        System.exit(2);
        return null;
    }
}
