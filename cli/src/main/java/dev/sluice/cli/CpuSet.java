package dev.sluice.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * A set of CPU numbers in the kernel's list format ({@code "0-3,8,10-11"}), above all the CPUs
 * this process may run on: {@code Cpus_allowed_list} of /proc/self/status, which reflects taskset,
 * cgroup cpusets and container limits. A thread can be pinned only to a CPU of this set; checking
 * {@code --cpu} against it up front turns a failed sched_setaffinity deep in a worker into one line.
 */
final class CpuSet {
    private static final String ALLOWED_KEY = "Cpus_allowed_list:";

    private final BitSet cpus;
    private final String text;

    private CpuSet(BitSet cpus, String text) {
        this.cpus = cpus;
        this.text = text;
    }

    /** The CPUs this process may run on. */
    static CpuSet allowed() {
        return ofStatus(Path.of("/proc/self/status"));
    }

    /** The {@code Cpus_allowed_list} of a /proc/PID/status file. */
    static CpuSet ofStatus(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(ALLOWED_KEY)) {
                    return parse(line.substring(ALLOWED_KEY.length()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the allowed CPUs from " + status, e);
        }
        throw new IllegalStateException(status + " has no " + ALLOWED_KEY + " line");
    }

    /**
     * Parses the kernel's list format: comma-separated CPUs and inclusive ranges, optionally with a
     * stride ({@code 0-7:2}); surrounding blanks ignored.
     *
     * @throws IllegalArgumentException when {@code list} is not in that format
     */
    static CpuSet parse(String list) {
        String s = list.strip();
        BitSet set = new BitSet();
        if (!s.isEmpty()) {
            for (String part : s.split(",")) {
                addRange(set, part.strip(), list);
            }
        }
        return new CpuSet(set, s);
    }

    private static void addRange(BitSet set, String part, String list) {
        try {
            int stride = 1;
            int colon = part.indexOf(':');
            if (colon >= 0) {
                stride = Integer.parseInt(part.substring(colon + 1));
                part = part.substring(0, colon);
            }
            int dash = part.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1));
            if (first < 0 || last < first || stride < 1) {
                throw new NumberFormatException(part);
            }
            for (int c = first; c <= last; c += stride) {
                set.set(c);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a CPU list: '" + list.strip() + "'", e);
        }
    }

    boolean contains(int cpu) {
        return cpu >= 0 && cpus.get(cpu);
    }

    int size() {
        return cpus.cardinality();
    }

    /** Lowest CPU of the set, -1 when empty. */
    int first() {
        return cpus.nextSetBit(0);
    }

    /** Highest CPU of the set, -1 when empty. */
    int last() {
        return cpus.length() - 1;
    }

    /** The list as the kernel wrote it, e.g. {@code "0-3"}. */
    @Override
    public String toString() {
        return text;
    }
}
