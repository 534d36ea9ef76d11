package dev.sluice.cli.demo;

/**
 * One HTTP request the client made, as curl reported it.
 *
 * @param startNanos when it started ({@link System#nanoTime()}): its end less curl's total time
 * @param endNanos   when curl reported it
 * @param backend    the backend that answered, from the body ({@code b1}...), or null when none did
 * @param httpCode   the HTTP status, 0 when there was no response
 * @param curlExit   curl's exit code for this transfer (0 ok, 7 refused, 28 timed out, 56 reset, ...)
 * @param longLived  a long download ({@code /big}) rather than a short request ({@code /who})
 */
record Request(long startNanos, long endNanos, String backend, int httpCode, int curlExit, boolean longLived) {
    boolean ok() {
        return curlExit == 0 && httpCode == 200 && backend != null;
    }

    /** Whether it was in flight at some instant of {@code [from, to]}. */
    boolean overlaps(long from, long to) {
        return startNanos <= to && endNanos >= from;
    }
}
