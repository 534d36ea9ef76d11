package dev.sluice.systest;

import dev.sluice.testing.Commands;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs {@code sluice} the way the systemd unit does, without systemd: a user id that is not root
 * (one with no entry in {@code /etc/passwd}, as {@code DynamicUser=} makes), no supplementary
 * groups, only the capabilities given (inheritable, ambient and bounding set: what
 * {@code AmbientCapabilities=} with {@code CapabilityBoundingSet=} gives a non-root service), the
 * unit's {@code RLIMIT_MEMLOCK}, and a clean environment holding the unit's {@code Environment=}
 * with its run directory replaced by one of this user's own (mode 0700, as
 * {@code RuntimeDirectory=} makes it).
 *
 * <p>The JVM is this test's own ({@code java.home}, readable by every user under
 * {@code /usr/lib/jvm}); the classes are a copy of this test's class path in a directory the user
 * can read (root's Maven repository is not). {@link #close()} removes the copy and the run directory.
 */
final class ServiceUser implements AutoCloseable {
    /** The PATH systemd gives a service. */
    private static final String SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final Set<PosixFilePermission> READABLE_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READABLE_FILE = PosixFilePermissions.fromString("rw-r--r--");

    /** The user id the balancer runs as: in the range systemd allocates dynamic users from (61184-65519). */
    final long uid;
    /** Readable by {@link #uid}: the class path copy, configuration files. */
    final Path dir;
    /** The counters file and admin socket directory: {@link #uid}'s own, mode 0700. */
    final Path runDir;
    private final String classPath;
    private final ServiceUnit unit;

    private ServiceUser(ServiceUnit unit, long uid, Path dir, Path runDir, String classPath) {
        this.unit = unit;
        this.uid = uid;
        this.dir = dir;
        this.runDir = runDir;
        this.classPath = classPath;
    }

    static ServiceUser create(ServiceUnit unit) throws IOException {
        long uid = 61184 + ProcessHandle.current().pid() % 4000;
        if (!Commands.run("getent", "passwd").lines().noneMatch(l -> l.split(":")[2].equals(Long.toString(uid)))) {
            throw new IllegalStateException("user id " + uid + " has an entry in the password database: pick another");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.getPosixFilePermissions(java).contains(PosixFilePermission.OTHERS_EXECUTE)) {
            throw new IllegalStateException(java + " cannot be run by other users: the balancer's user id could not start it");
        }
        Path dir = Files.createTempDirectory("sluice-service", PosixFilePermissions.asFileAttribute(READABLE_DIR));
        try {
            Files.setPosixFilePermissions(dir, READABLE_DIR);
            List<String> entries = new ArrayList<>();
            Path lib = Files.createDirectory(dir.resolve("lib"));
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path from = Path.of(entry);
                if (!Files.exists(from)) {
                    continue;
                }
                Path to = lib.resolve(i++ + "-" + from.getFileName());
                copyReadable(from, to);
                entries.add(to.toString());
            }
            Files.setPosixFilePermissions(lib, READABLE_DIR);
            Path runDir = Files.createDirectory(dir.resolve("run"));
            Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------"));
            Commands.run("chown", uid + ":" + uid, runDir.toString());
            return new ServiceUser(unit, uid, dir, runDir, String.join(File.pathSeparator, entries));
        } catch (IOException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    private static void copyReadable(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            try (Stream<Path> tree = Files.walk(from)) {
                for (Path p : (Iterable<Path>) tree::iterator) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                        Files.setPosixFilePermissions(target, READABLE_DIR);
                    } else {
                        Files.copy(p, target);
                        Files.setPosixFilePermissions(target, READABLE_FILE);
                    }
                }
            }
        } else {
            Files.copy(from, to);
            Files.setPosixFilePermissions(to, READABLE_FILE);
        }
    }

    /** Writes a file {@link #uid} can read (a configuration). */
    Path writeFile(String name, String text) throws IOException {
        Path file = Files.writeString(dir.resolve(name), text);
        Files.setPosixFilePermissions(file, READABLE_FILE);
        return file;
    }

    /** The unit's environment, with {@code SLUICE_RUN_DIR} this user's run directory and {@code JAVA_HOME} this JVM's. */
    Map<String, String> environment() {
        Map<String, String> env = new java.util.LinkedHashMap<>(unit.environment());
        env.put("PATH", SERVICE_PATH);
        env.put("SLUICE_RUN_DIR", runDir.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    /**
     * {@code sluice ARGS} in {@code netns} as the unit runs it, holding only {@code capabilities}
     * (setpriv's names: net_raw, ...), with the unit's {@code LimitMEMLOCK}.
     */
    List<String> command(String netns, Collection<String> capabilities, String... args) {
        long memlock = unit.limitMemlockBytes();
        String caps = Stream.concat(Stream.of("-all"), capabilities.stream().map(c -> "+" + c)).collect(Collectors.joining(","));
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", netns, "prlimit", "--memlock=" + memlock + ":" + memlock, "env", "-i"));
        environment().forEach((k, v) -> c.add(k + "=" + v));
        c.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "--inh-caps=" + caps, "--ambient-caps=" + caps, "--bounding-set=" + caps));
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("--enable-native-access=ALL-UNNAMED");
        c.add("-cp");
        c.add(classPath);
        c.add("dev.sluice.cli.Main");
        c.addAll(List.of(args));
        return c;
    }

    /** Runs {@link #command} to its end (at most {@code timeoutSeconds}). */
    Cli.Result run(String netns, Collection<String> capabilities, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("sluice-service", ".out");
        Path err = Files.createTempFile("sluice-service", ".err");
        try {
            Process p = new ProcessBuilder(command(netns, capabilities, args)).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("sluice " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Cli.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Starts {@link #command} as a balancer process ({@code sluice lb ARGS} on {@code ifname}). */
    LbProcess startLb(String netns, String ifname, Collection<String> capabilities, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("lb"));
        all.addAll(List.of(args));
        return LbProcess.start(command(netns, capabilities, all.toArray(String[]::new)), dir, runDir, ifname);
    }

    @Override
    public void close() {
        delete(dir);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("clean-up failed: " + e.getMessage());
        }
    }
}
