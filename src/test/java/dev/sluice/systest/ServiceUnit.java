package dev.sluice.systest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The repository's systemd unit for {@code sluice lb} ({@code packaging/systemd/sluice-lb.service}),
 * read as systemd reads the settings a test reproduces: the [Service] section's keys, a key given
 * twice keeping every value in order ({@code Environment=} adds; capability lists add up).
 */
final class ServiceUnit {
    /** Where the unit is, from the cli module (the directory the system tests run in). */
    static final Path FILE = Path.of(System.getProperty("user.dir")).getParent().resolve("packaging/systemd/sluice-lb.service");

    private final Map<String, List<String>> service;

    private ServiceUnit(Map<String, List<String>> service) {
        this.service = service;
    }

    static ServiceUnit load() throws IOException {
        Map<String, List<String>> service = new LinkedHashMap<>();
        String section = "";
        for (String raw : Files.readAllLines(FILE)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalStateException(FILE + ": not a key=value line: " + raw);
            }
            if (section.equals("[Service]")) {
                service.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
            }
        }
        return new ServiceUnit(service);
    }

    /** Every value of {@code key}, in order; empty when absent. */
    List<String> values(String key) {
        return service.getOrDefault(key, List.of());
    }

    /** The one value of {@code key}; fails when absent or given twice. */
    String value(String key) {
        List<String> v = values(key);
        if (v.size() != 1) {
            throw new AssertionError(FILE + ": expected one " + key + "=, found " + v);
        }
        return v.getFirst();
    }

    /** A capability list ({@code AmbientCapabilities}, {@code CapabilityBoundingSet}) as setpriv names them: net_raw, ... */
    List<String> capabilities(String key) {
        List<String> caps = new ArrayList<>();
        for (String v : values(key)) {
            for (String cap : v.split("\\s+")) {
                if (!cap.startsWith("CAP_")) {
                    throw new AssertionError(FILE + ": " + key + " holds '" + cap + "', not a CAP_ name");
                }
                caps.add(cap.substring(4).toLowerCase(Locale.ROOT));
            }
        }
        return caps;
    }

    /** {@code Environment=} assignments (unquoted NAME=VALUE words). */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String v : values("Environment")) {
            Arrays.stream(v.split("\\s+")).forEach(a -> {
                int eq = a.indexOf('=');
                env.put(a.substring(0, eq), a.substring(eq + 1));
            });
        }
        return env;
    }

    /** {@code LimitMEMLOCK=} in bytes (a number with an optional K, M or G suffix, 1024-based as systemd reads it). */
    long limitMemlockBytes() {
        String v = value("LimitMEMLOCK");
        long unit = switch (v.charAt(v.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
    }
}
