package dev.sluice.lb.admin;

import dev.sluice.lb.control.BackendStatus;
import dev.sluice.lb.control.LbStatus;
import dev.sluice.lb.control.VipStatus;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A balancer's status as text for a person: a header (interface, pid, configuration, flows), then
 * per VIP one line and a table of its backends.
 *
 * <pre>
 * lb eth0  pid 4242  started 2026-12-06 15:02:11
 * config /etc/sluice/lb.yaml  loaded 2026-12-06 15:10:02
 * 2 queues, 2 workers, flows 1,234 of 1,048,576
 *
 * VIP web  10.0.0.100 tcp/80  dsr  packets 12,345  bytes 1.2 MB  new flows 321  dropped 0  1.2 k packets/s
 *   BACKEND    WEIGHT  EFFECTIVE  HEALTH  DRAINED  PACKETS  BYTES   NEW FLOWS  PACKETS/S  LAST FAILURE
 *   10.0.1.11       1          1  up      no         6,100  610 kB        160        600  -
 *   10.0.1.12       1          0  down    no         6,245  624 kB        161          0  connection refused
 * </pre>
 */
public final class StatusText {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final String[] HEADINGS = {"BACKEND", "WEIGHT", "EFFECTIVE", "HEALTH", "DRAINED", "PACKETS", "BYTES",
            "NEW FLOWS", "PACKETS/S", "LAST FAILURE"};
    /** Columns aligned right (numbers); the others left. */
    private static final boolean[] RIGHT = {false, true, true, false, false, true, true, true, true, false};

    private StatusText() {
    }

    public static String render(LbStatus s) {
        StringBuilder sb = new StringBuilder();
        sb.append("lb ").append(s.interfaceName()).append("  pid ").append(s.pid())
                .append("  started ").append(time(s.started())).append('\n');
        sb.append("config ").append(s.configSource() == null ? "(built in code)" : s.configSource())
                .append("  loaded ").append(time(s.configLoaded())).append('\n');
        sb.append(plural(s.queues(), "queue")).append(", ").append(plural(s.workers(), "worker"))
                .append(", flows ").append(count(s.flows())).append(" of ").append(count(s.flowCapacity())).append('\n');
        if (s.vips().isEmpty()) {
            sb.append("\nno VIPs\n");
        }
        for (VipStatus v : s.vips()) {
            sb.append('\n').append("VIP ").append(v.name()).append("  ").append(v.address()).append(' ')
                    .append(v.protocol()).append('/').append(v.port()).append("  ").append(v.forwarding())
                    .append("  packets ").append(count(v.packets())).append("  bytes ").append(bytes(v.bytes()))
                    .append("  new flows ").append(count(v.newFlows())).append("  dropped ").append(count(v.dropped()))
                    .append("  ").append(rate(v.packetsPerSecond())).append(" packets/s\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(HEADINGS);
            for (BackendStatus b : v.backends()) {
                rows.add(new String[]{b.address(), Integer.toString(b.weight()), Integer.toString(b.effectiveWeight()),
                        b.health() + (b.unresolved() ? " (no MAC)" : ""), b.drained() ? "yes" : "no", count(b.packets()),
                        bytes(b.bytes()), count(b.newFlows()), rate(b.packetsPerSecond()),
                        b.lastFailure() == null ? "-" : b.lastFailure()});
            }
            table(rows, sb);
        }
        return sb.toString();
    }

    private static void table(List<String[]> rows, StringBuilder sb) {
        int[] width = new int[HEADINGS.length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int c = 0; c < r.length; c++) {
                boolean last = c == r.length - 1;
                String pad = " ".repeat(width[c] - r[c].length());
                line.append(RIGHT[c] ? pad + r[c] : last ? r[c] : r[c] + pad);
                if (!last) {
                    line.append("  ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String time(Instant t) {
        return t == null ? "-" : TIME.format(t);
    }

    private static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Decimal units, as rates and link speeds are spoken of. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double v = n;
        int u = -1;
        while (v >= 999.95 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String rate(double perSecond) {
        if (perSecond < 1000) {
            return String.format(Locale.ROOT, "%.0f", perSecond);
        }
        if (perSecond < 999_950) {
            return String.format(Locale.ROOT, "%.1f k", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f M", perSecond / 1e6);
    }
}
