package dev.sluice.benchmarks.ring;

import dev.sluice.ring.SpscDescriptorRing;
import dev.sluice.sys.LibC;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DPDK's two-core ring test ({@code ring_perf_autotest}, "Testing using two physical cores",
 * {@code run_on_core_pair}) played on {@link SpscDescriptorRing}, loop for loop, so the two can be
 * compared without JMH's per-call overhead on one side only:
 * <ul>
 *   <li>a ring of {@value RingBenchmarks#CAPACITY} slots; one thread pinned to CPU 0 enqueues
 *       {@code iterations} bulks of {@code size}, one pinned to CPU 1 dequeues as many;</li>
 *   <li>a call that moves nothing is retried after one {@code Thread.onSpinWait()} (PAUSE), as
 *       DPDK's loop calls {@code rte_pause()};</li>
 *   <li>the two threads meet at a counter, then each times its own loop and divides by the
 *       elements it moved; the printed figure is the SUM of the two, in TSC cycles, which is what
 *       DPDK prints ("SP/SC bulk (size: 8): 7.71").</li>
 * </ul>
 * {@code bulk} uses {@link SpscDescriptorRing#offerBulk}/{@link SpscDescriptorRing#pollBulk}
 * (all-or-nothing, DPDK's bulk API, what ring_perf_autotest measures); {@code burst} uses
 * {@code offer}/{@code poll} (as many as fit). Each size runs {@code warmups} untimed rounds first
 * (JIT), then {@code rounds} timed ones; one line per round and a median.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.ring.SpscRingPerf \
 *     --tsc-mhz 2596.1 [--sizes 8,32] [--api bulk|burst] [--iter-shift 23] [--rounds 5] [--warmups 3]
 * </pre>
 * Output, one line per size: {@code sluice SP/SC bulk (size: 8): median X cycles/element
 * (rounds: a b c ...)}; a machine-readable {@code result size=8 api=bulk median=X} line follows.
 */
public final class SpscRingPerf {

    private SpscRingPerf() {
    }

    public static void main(String[] args) throws InterruptedException {
        double tscMhz = 0;
        int[] sizes = {8, 32};
        String api = "bulk";
        int iterShift = 23;
        int rounds = 5;
        int warmups = 3;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--tsc-mhz" -> tscMhz = Double.parseDouble(required(args[i], value));
                case "--sizes" -> sizes = Arrays.stream(required(args[i], value).split(",")).mapToInt(Integer::parseInt).toArray();
                case "--api" -> api = required(args[i], value);
                case "--iter-shift" -> iterShift = Integer.parseInt(required(args[i], value));
                case "--rounds" -> rounds = Integer.parseInt(required(args[i], value));
                case "--warmups" -> warmups = Integer.parseInt(required(args[i], value));
                default -> usage("unknown option " + args[i]);
            }
            i++;
        }
        if (tscMhz <= 0) {
            usage("--tsc-mhz is required (the TSC rate DPDK counts in; benchmarks/ring-vs-dpdk.sh finds it)");
        }
        if (!api.equals("bulk") && !api.equals("burst")) {
            usage("--api must be bulk or burst, not " + api);
        }
        if (Runtime.getRuntime().availableProcessors() < 2) {
            usage("needs two CPUs");
        }
        boolean bulk = api.equals("bulk");
        long iterations = 1L << iterShift;
        for (int size : sizes) {
            if (size < 1 || size > RingBenchmarks.CAPACITY) {
                usage("size " + size + " out of 1.." + RingBenchmarks.CAPACITY);
            }
            for (int w = 0; w < warmups; w++) {
                round(size, bulk, Math.max(1, iterations >> 3));
            }
            double[] cycles = new double[rounds];
            StringBuilder each = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                double[] ns = round(size, bulk, iterations);
                cycles[r] = (ns[0] + ns[1]) * tscMhz / 1000.0;
                each.append(String.format(Locale.ROOT, " %.2f", cycles[r]));
            }
            double median = median(cycles);
            System.out.printf(Locale.ROOT, "sluice SP/SC %s (size: %d): median %.2f cycles/element (rounds:%s)%n",
                api, size, median, each);
            System.out.printf(Locale.ROOT, "result size=%d api=%s median=%.3f min=%.3f max=%.3f%n",
                size, api, median, Arrays.stream(cycles).min().orElseThrow(), Arrays.stream(cycles).max().orElseThrow());
        }
    }

    /** One timed round: returns {enqueuer ns/element, dequeuer ns/element}. */
    private static double[] round(int size, boolean bulk, long iterations) throws InterruptedException {
        try (SpscDescriptorRing ring = new SpscDescriptorRing(RingBenchmarks.CAPACITY)) {
            AtomicInteger ready = new AtomicInteger();
            double[] result = new double[2];
            Thread enqueuer = new Thread(() -> {
                LibC.pinCurrentThread(0);
                result[0] = enqueue(ring, size, bulk, iterations, ready);
            }, "ring-perf-enqueue");
            Thread dequeuer = new Thread(() -> {
                LibC.pinCurrentThread(1);
                result[1] = dequeue(ring, size, bulk, iterations, ready);
            }, "ring-perf-dequeue");
            enqueuer.start();
            dequeuer.start();
            enqueuer.join();
            dequeuer.join();
            return result;
        }
    }

    private static double enqueue(SpscDescriptorRing ring, int size, boolean bulk, long iterations, AtomicInteger ready) {
        long[] burst = new long[size];
        for (int i = 0; i < size; i++) {
            burst[i] = i;
        }
        meet(ready);
        long start = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
            int left = size;
            while (left > 0) {
                int moved = bulk ? ring.offerBulk(burst, size - left, left) : ring.offer(burst, size - left, left);
                if (moved == 0) {
                    Thread.onSpinWait();
                }
                left -= moved;
            }
        }
        return (double) (System.nanoTime() - start) / (iterations * size);
    }

    private static double dequeue(SpscDescriptorRing ring, int size, boolean bulk, long iterations, AtomicInteger ready) {
        long[] burst = new long[size];
        meet(ready);
        long start = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
            int left = size;
            while (left > 0) {
                int moved = bulk ? ring.pollBulk(burst, size - left, left) : ring.poll(burst, size - left, left);
                if (moved == 0) {
                    Thread.onSpinWait();
                }
                left -= moved;
            }
        }
        double ns = (double) (System.nanoTime() - start) / (iterations * size);
        if (burst[size - 1] != size - 1) {
            throw new AssertionError("ring returned " + burst[size - 1] + " in slot " + (size - 1));
        }
        return ns;
    }

    /** Both threads start timing together, as DPDK's lcore_count barrier does. */
    private static void meet(AtomicInteger ready) {
        ready.incrementAndGet();
        while (ready.get() != 2) {
            Thread.onSpinWait();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String required(String option, String value) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("SpscRingPerf: " + problem);
        System.err.println("usage: SpscRingPerf --tsc-mhz MHZ [--sizes 8,32] [--api bulk|burst] [--iter-shift 23] [--rounds 5] [--warmups 3]");
        System.exit(2);
    }
}
