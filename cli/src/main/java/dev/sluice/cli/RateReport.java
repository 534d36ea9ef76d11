package dev.sluice.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns cumulative counters sampled once per second into the live lines and the final
 * {@code summary key=value ...} line. Numbers in the live lines are for people: counts with
 * thousands separators ({@link #group}), bit rates scaled with two decimals ({@link #bits}); numbers
 * in the summary are for programs: plain digits ({@link #plain}). Rates in the summary are means over the seconds that carried
 * traffic, so a run's idle start or end does not dilute them.
 */
final class RateReport {
    /** One sample of cumulative counters. */
    record Sample(long nanos, long rxPackets, long rxBytes, long txPackets, long txBytes, long dropped, long ringFull,
                  long fillEmpty) {
    }

    private final PrintStream out;
    private Sample first;
    private Sample last;
    private long rxBusySeconds;
    private long rxBusyPackets;
    private long txBusySeconds;
    private long txBusyPackets;
    private int second;

    RateReport(PrintStream out) {
        this.out = out;
    }

    void start(Sample s) {
        first = s;
        last = s;
    }

    /** Prints one live line for the interval since the previous sample. */
    void tick(Sample s) {
        double secs = Math.max(1e-9, (s.nanos() - last.nanos()) / 1e9);
        long rx = s.rxPackets() - last.rxPackets();
        long tx = s.txPackets() - last.txPackets();
        double rxPps = rx / secs;
        double txPps = tx / secs;
        if (rx > 0) {
            rxBusySeconds++;
            rxBusyPackets += rx;
        }
        if (tx > 0) {
            txBusySeconds++;
            txBusyPackets += tx;
        }
        second++;
        out.printf(Locale.ROOT, "%4ds  rx %10s pps %11s  tx %10s pps %11s  dropped %s  ring_full %s  fill_empty %s%n",
                second, group(rxPps), bits((s.rxBytes() - last.rxBytes()) * 8 / secs),
                group(txPps), bits((s.txBytes() - last.txBytes()) * 8 / secs),
                group(s.dropped() - last.dropped()), group(s.ringFull() - last.ringFull()),
                group(s.fillEmpty() - last.fillEmpty()));
        out.flush();
        last = s;
    }

    /** The summary fields; callers add their own (mode, xdp, ...). */
    Map<String, String> summary(Sample end) {
        Map<String, String> m = new LinkedHashMap<>();
        double secs = (end.nanos() - first.nanos()) / 1e9;
        // Totals since the port opened (its counters start at zero), not since the first sample:
        // a worker may have started a moment before the reporter.
        m.put("rx_packets", "" + end.rxPackets());
        m.put("tx_packets", "" + end.txPackets());
        // Runs shorter than a second (an offline capture) have no busy second: use the whole run.
        m.put("rx_pps", "" + (rxBusySeconds > 0 ? Math.round((double) rxBusyPackets / rxBusySeconds)
                : secs > 0 ? Math.round(end.rxPackets() / secs) : 0));
        m.put("tx_pps", "" + (txBusySeconds > 0 ? Math.round((double) txBusyPackets / txBusySeconds)
                : secs > 0 ? Math.round(end.txPackets() / secs) : 0));
        m.put("rx_bytes", "" + end.rxBytes());
        m.put("tx_bytes", "" + end.txBytes());
        m.put("dropped", "" + end.dropped());
        m.put("ring_full", "" + end.ringFull());
        m.put("fill_empty", "" + end.fillEmpty());
        m.put("seconds", String.format(Locale.ROOT, "%.1f", secs));
        return m;
    }

    static String line(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("summary");
        fields.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    /** A count for people, rounded, with thousands separators: {@code 1,234,567}. */
    static String group(double v) {
        return String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    /** A number for programs: plain digits, a decimal point only when it has a fraction ({@code 12}, {@code 0.5}). */
    static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** A bit rate for people, with two decimals in the unit that fits: {@code 12.34 Mb/s}. */
    static String bits(double bps) {
        if (bps >= 1e9) {
            return String.format(Locale.ROOT, "%.2f Gb/s", bps / 1e9);
        }
        if (bps >= 1e6) {
            return String.format(Locale.ROOT, "%.2f Mb/s", bps / 1e6);
        }
        if (bps >= 1e3) {
            return String.format(Locale.ROOT, "%.2f kb/s", bps / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f b/s", bps);
    }
}
