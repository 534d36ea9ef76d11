package dev.sluice.cli;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.afxdp.XskStatistics;

import java.io.PrintStream;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The once-per-second loop of every long-running command: samples the port's counters (its own
 * and the kernel's XDP_STATISTICS), prints the live line, and returns the summary fields when the
 * time is up or {@code stop} says so. Runs on the main thread, never on a data-path thread.
 */
final class LiveReporter {
    private LiveReporter() {
    }

    /**
     * @param seconds run length (0: until stopped)
     * @param stop    polled every few milliseconds
     * @param beforeLastSample called once when the run ends, before the final sample (stop the
     *                         workers there so the summary counts everything they did)
     */
    static Map<String, String> run(AfXdpInterface port, double seconds, BooleanSupplier stop, Runnable beforeLastSample,
                                   PrintStream out) {
        return run(now -> sample(port, now), seconds, stop, beforeLastSample, out);
    }

    /** Samples cumulative counters at {@code now} (nanoTime); called once per second. */
    @FunctionalInterface
    interface Sampler {
        RateReport.Sample sample(long now);
    }

    /** As above with a sampler of its own (e.g. one that also copies kernel statistics into a counters file). */
    static Map<String, String> run(Sampler sampler, double seconds, BooleanSupplier stop, Runnable beforeLastSample,
                                   PrintStream out) {
        RateReport report = new RateReport(out);
        long start = System.nanoTime();
        report.start(sampler.sample(start));
        long end = seconds > 0 ? start + (long) (seconds * 1e9) : Long.MAX_VALUE;
        long nextTick = start + 1_000_000_000L;
        while (!stop.getAsBoolean()) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (now >= nextTick) {
                report.tick(sampler.sample(now));
                nextTick += 1_000_000_000L;
                continue;
            }
            sleepMillis(Math.min(20, Math.max(1, (Math.min(nextTick, end) - now) / 1_000_000L)));
        }
        beforeLastSample.run();
        long now = System.nanoTime();
        RateReport.Sample last = sampler.sample(now);
        if ((now - start) % 1_000_000_000L >= 200_000_000L) {
            report.tick(last); // the partial last second, when it is long enough to mean something
        }
        return report.summary(last);
    }

    static RateReport.Sample sample(AfXdpInterface port, long now) {
        long rx = 0, rxb = 0, tx = 0, txb = 0, txFull = 0;
        XskStatistics k = XskStatistics.ZERO;
        for (AfXdpQueue q : port.queues()) {
            PortCounters c = q.counters();
            rx += c.get(PortCounters.RX_PACKETS);
            rxb += c.get(PortCounters.RX_BYTES);
            tx += c.get(PortCounters.TX_PACKETS);
            txb += c.get(PortCounters.TX_BYTES);
            txFull += c.get(PortCounters.TX_RING_FULL);
            k = k.plus(q.statistics());
        }
        long dropped = k.rxDropped() + k.rxRingFull() + txFull;
        return new RateReport.Sample(now, rx, rxb, tx, txb, dropped, k.rxRingFull() + txFull, k.rxFillRingEmptyDescs());
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
