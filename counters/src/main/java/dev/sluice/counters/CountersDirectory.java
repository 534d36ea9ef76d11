package dev.sluice.counters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where counters files live ({@code /dev/shm/sluice}, or {@code $SLUICE_RUN_DIR}), which of them
 * belong to running instances, and the removal of those left behind by instances that died
 * ({@code kill -9}, a crash) without removing their file.
 */
public final class CountersDirectory {
    public static final String ENV = "SLUICE_RUN_DIR";
    public static final Path DEFAULT = Path.of("/dev/shm/sluice");
    public static final String SUFFIX = ".counters";
    /**
     * A file is removed as stale only when its pid is not running <em>and</em> its heartbeat is
     * older than this: an instance in another pid namespace (whose pid we cannot see) still beats.
     */
    public static final long STALE_AFTER_MILLIS = 3_000;

    /** What a counters file says about its instance, and whether that instance runs. */
    public record Instance(Path path, long pid, String name, long startTimeMillis, long heartbeatMillis, int counters,
                           String commandLine, boolean running) {
        public long heartbeatAgeMillis(long nowMillis) {
            return Math.max(0, nowMillis - heartbeatMillis);
        }
    }

    private CountersDirectory() {
    }

    /** {@code $SLUICE_RUN_DIR} when set, else {@code /dev/shm/sluice}. */
    public static Path resolve() {
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? DEFAULT : Path.of(env);
    }

    /** {@code <dir>/<pid>-<name>.counters}, the name reduced to {@code [A-Za-z0-9._-]}. */
    public static Path fileFor(Path dir, long pid, String instanceName) {
        String safe = instanceName.replaceAll("[^A-Za-z0-9._-]", "_");
        return dir.resolve(pid + "-" + safe + SUFFIX);
    }

    static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            // rwxr-xr-x whatever the umask: readers of any user can list the instances.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** The counters files in {@code dir}, newest first; an absent directory has none. */
    public static List<Path> files(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            ds.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Path::toString));
        return out;
    }

    /** Reads the header of {@code file}; empty when it is not (yet) a readable counters file. */
    public static Optional<Instance> describe(Path file) {
        try (CountersReader r = CountersReader.open(file)) {
            return Optional.of(new Instance(file, r.pid(), r.instanceName(), r.startTimeMillis(), r.heartbeatOpaque(),
                    r.allocatedAcquire(), r.commandLine(), isRunning(r.pid(), r.startTimeMillis())));
        } catch (RuntimeException e) {
            return Optional.empty(); // removed meanwhile, being created, or foreign
        }
    }

    /** Every instance with a readable counters file in {@code dir}, running or not. */
    public static List<Instance> list(Path dir) {
        List<Instance> out = new ArrayList<>();
        for (Path f : files(dir)) {
            describe(f).ifPresent(out::add);
        }
        return out;
    }

    /** True when {@code pid} runs and is the process that started at {@code startMillis} (not a reuse of the pid). */
    public static boolean isRunning(long pid, long startMillis) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        // The file is created after its process started; a process started later reused the pid.
        Optional<Instant> started = h.get().info().startInstant();
        return started.isEmpty() || started.get().toEpochMilli() <= startMillis + 1_000;
    }

    /** Whether {@code instance}'s file may be removed: its process is gone and it no longer beats. */
    public static boolean isStale(Instance instance, long nowMillis) {
        return !instance.running() && instance.heartbeatAgeMillis(nowMillis) > STALE_AFTER_MILLIS;
    }

    /** Removes the files of dead instances; returns what it removed. */
    public static List<Instance> removeStale(Path dir, long nowMillis) {
        List<Instance> removed = new ArrayList<>();
        for (Instance i : list(dir)) {
            if (isStale(i, nowMillis)) {
                try {
                    if (Files.deleteIfExists(i.path())) {
                        removed.add(i);
                    }
                } catch (IOException e) {
                    // Another user's file, or a race with another stat: leave it.
                }
            }
        }
        return removed;
    }
}
