package dev.sluice.counters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
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
 * Where counters files live, which of them belong to running instances, and the removal of those
 * left behind by instances that died ({@code kill -9}, a crash) without removing their file.
 *
 * <p>Each user has a run directory of their own ({@link #resolve()}), created {@code rwx------}:
 * an instance run by one user never needs to write where another user (root, say) made the
 * directory, and nobody else reads or plants files in it. {@code $SLUICE_RUN_DIR} overrides it,
 * e.g. to share one directory between users on purpose.
 *
 * <p>An instance may also serve a Unix domain socket beside its counters file, named as the file
 * with {@value #SOCKET_SUFFIX} for {@value #SUFFIX} ({@link #socketFor}): it is created after the
 * counters file and removed before it, so a socket without its counters file, or whose counters
 * file is stale, was left by a process that died; {@link #removeStale} removes those too.
 */
public final class CountersDirectory {
    public static final String ENV = "SLUICE_RUN_DIR";
    public static final String SUFFIX = ".counters";
    /** The companion socket's suffix: {@code <pid>-<name>.sock} beside {@code <pid>-<name>.counters}. */
    public static final String SOCKET_SUFFIX = ".sock";
    /**
     * A file is removed as stale only when its pid is not running <em>and</em> its heartbeat is
     * older than this: an instance in another pid namespace (whose pid we cannot see) still beats.
     */
    public static final long STALE_AFTER_MILLIS = 3_000;

    /** What a counters file says about its instance, and whether that instance runs. */
    public record Instance(Path path, long pid, String name, long startTimeMillis, long heartbeatMillis, int groups,
                           String commandLine, boolean running) {
        public long heartbeatAgeMillis(long nowMillis) {
            return Math.max(0, nowMillis - heartbeatMillis);
        }
    }

    private CountersDirectory() {
    }

    /**
     * {@code $SLUICE_RUN_DIR} when set, else this user's directory: {@code /dev/shm/sluice-<uid>}
     * (shared memory, where the counters pages live anyway), or {@code $XDG_RUNTIME_DIR/sluice}
     * on a system without {@code /dev/shm}.
     */
    public static Path resolve() {
        return resolve(System.getenv(ENV), System.getenv("XDG_RUNTIME_DIR"), Path.of("/dev/shm"), currentUid());
    }

    /** {@link #resolve()} with its inputs given (tests). */
    static Path resolve(String runDirEnv, String xdgRuntimeDir, Path shm, long uid) {
        if (runDirEnv != null && !runDirEnv.isBlank()) {
            return Path.of(runDirEnv);
        }
        if (Files.isDirectory(shm) || xdgRuntimeDir == null || xdgRuntimeDir.isBlank()) {
            return shm.resolve("sluice-" + uid);
        }
        return Path.of(xdgRuntimeDir, "sluice");
    }

    /** The effective user id of this process (the owner of {@code /proc/self}). */
    static long currentUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot tell this process's user id from /proc/self: " + e.getMessage(), e);
        }
    }

    /** {@code <dir>/<pid>-<name>.counters}, the name reduced to {@code [A-Za-z0-9._-]}. */
    public static Path fileFor(Path dir, long pid, String instanceName) {
        String safe = instanceName.replaceAll("[^A-Za-z0-9._-]", "_");
        return dir.resolve(pid + "-" + safe + SUFFIX);
    }

    /** The companion socket of {@code countersFile}: {@code <pid>-<name>.sock} in the same directory. */
    public static Path socketFor(Path countersFile) {
        String name = countersFile.getFileName().toString();
        if (!name.endsWith(SUFFIX)) {
            throw new IllegalArgumentException("not a counters file name (*" + SUFFIX + "): " + countersFile);
        }
        return countersFile.resolveSibling(name.substring(0, name.length() - SUFFIX.length()) + SOCKET_SUFFIX);
    }

    /**
     * Creates {@code dir} {@code rwx------} when missing. An existing directory must belong to this
     * user, or be a sticky shared one (mode {@code +t}, as {@code /tmp}: nobody removes or replaces
     * another user's files there); a directory someone else owns and controls is refused, so that
     * nobody can plant or swap the files this user's instances write.
     */
    static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException raced) {
                // another instance of this user made it meanwhile: checked below
            }
            // rwx------ whatever the umask.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        long owner = ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
        long me = currentUid();
        boolean sticky = (((Number) Files.getAttribute(dir, "unix:mode")).intValue() & STICKY) != 0;
        if (owner != me && !sticky) {
            throw new AccessDeniedException(dir.toString(), null, "the directory belongs to user id " + owner
                    + ", not to this user (" + me + "), and is not a sticky shared one");
        }
    }

    /** S_ISVTX. */
    private static final int STICKY = 01000;

    /** What went wrong in {@code e}, without repeating the path a caller already names. */
    static String reason(IOException e) {
        String r = e instanceof FileSystemException f ? f.getReason() : null;
        if (r != null) {
            return r;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "it already exists";
        }
        return e.getMessage();
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
            throw new UncheckedIOException("cannot list " + dir + ": " + reason(e), e);
        }
        out.sort(Comparator.comparing(Path::toString));
        return out;
    }

    /** Reads the header of {@code file}; empty when it is not (yet) a readable counters file. */
    public static Optional<Instance> describe(Path file) {
        try (CountersReader r = CountersReader.open(file)) {
            return Optional.of(new Instance(file, r.pid(), r.instanceName(), r.startTimeMillis(), r.heartbeatOpaque(),
                    r.groupsAllocated(), r.commandLine(), isRunning(r.pid(), r.startTimeMillis())));
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

    /**
     * Removes the files of dead instances, each with its companion socket, and the sockets whose
     * counters file is gone and whose process no longer runs; returns the instances it removed.
     */
    public static List<Instance> removeStale(Path dir, long nowMillis) {
        List<Instance> removed = new ArrayList<>();
        for (Instance i : list(dir)) {
            if (isStale(i, nowMillis)) {
                try {
                    // The socket first: a socket without its counters file is an orphan too, never the reverse.
                    Files.deleteIfExists(socketFor(i.path()));
                    if (Files.deleteIfExists(i.path())) {
                        removed.add(i);
                    }
                } catch (IOException e) {
                    // Another user's file, or a race with another stat: leave it.
                }
            }
        }
        removeOrphanSockets(dir);
        return removed;
    }

    /**
     * The sockets without a counters file beside them whose pid (the name's prefix) does not run:
     * a live instance removes its socket before its counters file, so these were left behind.
     */
    private static void removeOrphanSockets(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> sockets = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SOCKET_SUFFIX)) {
            ds.forEach(sockets::add);
        } catch (IOException e) {
            return; // listing the counters files just worked: the directory went away meanwhile
        }
        for (Path socket : sockets) {
            String name = socket.getFileName().toString();
            Path counters = socket.resolveSibling(name.substring(0, name.length() - SOCKET_SUFFIX.length()) + SUFFIX);
            long pid = pidOf(name);
            if (pid > 0 && !Files.exists(counters) && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Files.deleteIfExists(socket);
                } catch (IOException e) {
                    // Another user's socket: leave it.
                }
            }
        }
    }

    /** The pid a {@code <pid>-<name>} file name starts with; -1 when it does not. */
    private static long pidOf(String fileName) {
        int dash = fileName.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(fileName.substring(0, dash)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
