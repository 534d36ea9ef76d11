package dev.sluice.benchmarks.pipeline;

import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.drivers.memory.MemoryPorts;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.sys.LibC;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.util.Arrays;

/**
 * What the pipeline runtime costs over a plain forwarding loop, measured so that the host cannot
 * decide the answer: the two contenders of {@code PipelineBenchmark -p shape=LOOP,RTC1}, each over its
 * own memory-port pair, UMEM and {@link Wire}, run on one thread in alternating slices of a few
 * milliseconds (LOOP then RTC1, then RTC1 then LOOP, ...). Each slice is a number of wire turns, each
 * followed by one turn of the plain loop or one duty cycle of the pipeline ({@link Pipeline#invoke()}),
 * so both run the same wire and the same MAC swap; what differs is the runtime. A pair of adjacent
 * slices sees the same host, so the ratio of their rates is free of the minutes-long swings that
 * move whole JMH forks (benchmarks/README.md); the median over many pairs is the figure.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.sluice.benchmarks.pipeline.RuntimeOverhead [--pairs 400] [--slice-ms 20] [--warmup-pairs 200] [--cpu N]
 * </pre>
 *
 * Prints one line per contender with its median rate and the median, quartiles and extremes of the
 * per-pair ratio RTC1 / LOOP; both rates include the wire's own work, the same in both, so the line
 * also gives the runtime's cost in nanoseconds per packet (1 / RTC1 rate - 1 / LOOP rate).
 */
public final class RuntimeOverhead {
    static final int BURST = 64;
    static final int WINDOW = 512;
    static final int RING = 1024;

    /** One contender: a wire and what forwards its packets back, over memory of its own. */
    private abstract static class Contender implements AutoCloseable {
        final Umem umem = Umem.allocate(UmemConfig.defaults());
        final SharedFramePool pool;
        final MemoryPorts.Pair pair;
        final Wire wire;

        Contender() {
            Wire.writeFrames(umem);
            pool = SharedFramePool.of(umem);
            pair = MemoryPorts.pair(pool, RING, "wire", "port");
            wire = new Wire(umem, new MemoryPort[] {pair.a()}, BURST, WINDOW);
        }

        /** Wire turns, each followed by one step of the forwarder, until {@code nanos} have passed; returns packets back. */
        final long run(long nanos) {
            long deadline = System.nanoTime() + nanos;
            long packets = 0;
            do {
                for (int k = 0; k < 64; k++) {
                    packets += wire.turn();
                    step();
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

        @Override
        void step() {
            loop.doWork();
        }
    }

    private static final class Rtc1 extends Contender {
        private final Pipeline pipeline = Pipeline.builder().ports(pair.b()).burst(BURST).ringSize(RING)
                .handler(() -> new ForwardHandler(ForwardMode.MACSWAP)).startInvoked();

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
        int warmupPairs = 200;
        long sliceNanos = 20_000_000L;
        int cpu = -1;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[++i] : usage("no value after " + args[i]);
            switch (args[i - 1]) {
                case "--pairs" -> pairs = Integer.parseInt(value);
                case "--warmup-pairs" -> warmupPairs = Integer.parseInt(value);
                case "--slice-ms" -> sliceNanos = Long.parseLong(value) * 1_000_000L;
                case "--cpu" -> cpu = Integer.parseInt(value);
                default -> usage("unknown option " + args[i - 1]);
            }
        }
        if (pairs < 1 || warmupPairs < 0 || sliceNanos <= 0) {
            usage("pairs, warm-up pairs and the slice must be positive");
        }
        if (cpu >= 0) {
            LibC.pinCurrentThread(cpu);
        }
        try (Loop loop = new Loop(); Rtc1 rtc1 = new Rtc1()) {
            double[] loopRate = new double[pairs];
            double[] rtc1Rate = new double[pairs];
            double[] ratio = new double[pairs];
            for (int p = -warmupPairs; p < pairs; p++) {
                long l;
                long r;
                if ((p & 1) == 0) {
                    l = loop.run(sliceNanos);
                    r = rtc1.run(sliceNanos);
                } else {
                    r = rtc1.run(sliceNanos);
                    l = loop.run(sliceNanos);
                }
                if (p >= 0) {
                    loopRate[p] = l * 1e3 / sliceNanos; // Mpps (packets per slice over the slice's nanoseconds, x 1000)
                    rtc1Rate[p] = r * 1e3 / sliceNanos;
                    ratio[p] = (double) r / l;
                }
            }
            double loopMpps = median(loopRate);
            double rtc1Mpps = median(rtc1Rate);
            Arrays.sort(ratio);
            System.out.printf("LOOP %.1f Mpps, RTC1 %.1f Mpps (medians of %d slices of %d ms each)%n", loopMpps, rtc1Mpps, pairs,
                    sliceNanos / 1_000_000);
            System.out.printf("result RTC1/LOOP median=%.3f p25=%.3f p75=%.3f min=%.3f max=%.3f runtime_ns_per_packet=%.2f%n",
                    quantile(ratio, 0.5), quantile(ratio, 0.25), quantile(ratio, 0.75), ratio[0], ratio[pairs - 1],
                    1e3 / rtc1Mpps - 1e3 / loopMpps);
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
        System.err.println("usage: RuntimeOverhead [--pairs N] [--warmup-pairs N] [--slice-ms MS] [--cpu N]");
        System.exit(2);
        return null;
    }
}
