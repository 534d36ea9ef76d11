package dev.sluice.proto;

/**
 * Per-worker counts of parse outcomes, one slot per {@link ParseResult} code. A worker owns its
 * counters and is their only writer (plain increments, no atomics: share-nothing); reporting
 * threads read them through whatever publication the counters file provides, or after the
 * worker stopped. No allocation after construction.
 */
public final class ParseCounters {
    private final long[] counts = new long[ParseResult.COUNT];

    /** Counts one outcome and returns the code, so that {@code record(parser.parse(...))} reads well. */
    public int record(int code) {
        counts[code]++;
        return code;
    }

    public long get(int code) {
        return counts[code];
    }

    public long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    /** Sum over all codes of one {@link ParseResult} category. */
    public long totalOf(int category) {
        long t = 0;
        for (int code = 0; code < counts.length; code++) {
            if (ParseResult.category(code) == category) {
                t += counts[code];
            }
        }
        return t;
    }

    /** Adds another worker's counts to these (aggregation off the fast path). */
    public void addAll(ParseCounters other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
    }

    /** {@code name=count} for every non-zero code, space separated (reports; allocates). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int code = 0; code < counts.length; code++) {
            if (counts[code] != 0) {
                if (!b.isEmpty()) {
                    b.append(' ');
                }
                b.append(ParseResult.name(code)).append('=').append(counts[code]);
            }
        }
        return b.toString();
    }
}
