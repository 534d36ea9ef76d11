package dev.sluice.drivers.xdp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs, as the kernel sizes per-CPU map values: a user-space lookup of a
 * per-CPU map writes one value (rounded up to 8 bytes) per possible CPU, not per online CPU, so
 * the buffer must hold that many. Read from {@code /sys/devices/system/cpu/possible}, a list of ranges like "0-3,8".
 */
final class PossibleCpus {
    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");

    private PossibleCpus() {
    }

    static int count() {
        try {
            return parse(Files.readString(POSSIBLE).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + POSSIBLE + " to size per-CPU map values", e);
        }
    }

    /**
     * The number of CPUs in the list: the kernel copies the values of each possible CPU one after
     * the other (for_each_possible_cpu), so a hole in the numbering takes no space.
     */
    static int parse(String list) {
        int cpus = 0;
        for (String range : list.split(",")) {
            String r = range.strip();
            if (r.isEmpty()) {
                continue;
            }
            int dash = r.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? r : r.substring(0, dash));
            int last = Integer.parseInt(dash < 0 ? r : r.substring(dash + 1));
            cpus += last - first + 1;
        }
        if (cpus <= 0) {
            throw new IllegalStateException("no CPU in the possible-CPU list '" + list + "'");
        }
        return cpus;
    }
}
