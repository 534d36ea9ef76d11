package dev.sluice.cli.demo;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one curl process's merged output line by line: body lines (each backend's content starts
 * with its name, {@code b1}...), then after each transfer the status line curl's {@code -w} writes,
 * {@code |http_code|exitcode|time_total}, appended to the body's last line when a cut transfer left
 * it without its newline. Each status line completes one {@link Request}, timed by the instant it
 * was read less curl's total time.
 */
final class CurlOutput {
    /** The {@code -w} line: [end of a body without newline]|http_code|exitcode|time_total. */
    static final Pattern STATUS = Pattern.compile("(.*)\\|(\\d{3})\\|(\\d+)\\|([0-9.]+)");
    private static final Pattern BACKEND = Pattern.compile("(b\\d+)(?: .*)?");

    private final boolean longLived;
    /** The backend named by the current transfer's body so far, null before its first line. */
    private String backend;

    CurlOutput(boolean longLived) {
        this.longLived = longLived;
    }

    /** Takes one line read at {@code nanos}; returns the request it completes, or null for a body line. */
    Request line(String line, long nanos) {
        Matcher status = STATUS.matcher(line);
        if (!status.matches()) {
            if (backend == null) {
                backend = backendOf(line);
            }
            return null;
        }
        String tail = status.group(1);
        String answeredBy = backend != null || tail.isEmpty() ? backend : backendOf(tail);
        backend = null;
        long took = (long) (Double.parseDouble(status.group(4)) * 1e9);
        return new Request(nanos - took, nanos, answeredBy, Integer.parseInt(status.group(2)),
                Integer.parseInt(status.group(3)), longLived);
    }

    private static String backendOf(String bodyLine) {
        Matcher m = BACKEND.matcher(bodyLine);
        return m.matches() ? m.group(1) : null;
    }
}
