package dev.sluice.systest;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice lb} as a process in a namespace, as an operator runs it: its output (standard
 * output and error, merged) read as it comes, so a test can wait for the line saying it attached.
 * Its run directory ({@code SLUICE_RUN_DIR}, where its counters file and admin socket are) is the
 * default one, or one of the test's own so that the admin subcommands see exactly the instances
 * the test started; those subcommands run as an operator would (in the host's namespace: the
 * socket is a file, reachable from any). {@link #close()} kills it if it still runs and removes
 * the counters file and admin socket it left.
 */
final class LbProcess implements AutoCloseable {
    private final Process process;
    private final String instance;
    /** Where its counters file (and admin socket) are. */
    private final Path runDir;
    private final OutputLines lines;

    private LbProcess(Process process, String instance, Path runDir) {
        this.process = process;
        this.instance = instance;
        this.runDir = runDir;
        lines = new OutputLines(process, "lb-output");
    }

    /** Starts {@code sluice lb ARGS} in {@code netns}, in the default run directory; the counters instance is "lb-" + the interface. */
    static LbProcess start(String netns, String ifname, String... args) throws IOException {
        return start(List.of(), CountersDirectory.resolve(), netns, ifname, args);
    }

    /** As {@link #start(String, String, String...)}, its files in {@code runDir}. */
    static LbProcess start(Path runDir, String netns, String ifname, String... args) throws IOException {
        return start(env(runDir), runDir, netns, ifname, args);
    }

    private static LbProcess start(List<String> env, Path runDir, String netns, String ifname, String... args) throws IOException {
        List<String> prefix = new ArrayList<>(env);
        prefix.addAll(Cli.inNetns(netns));
        List<String> all = new ArrayList<>(List.of("lb"));
        all.addAll(List.of(args));
        Process p = new ProcessBuilder(Cli.command(prefix, all.toArray(String[]::new))).redirectErrorStream(true).start();
        return new LbProcess(p, "lb-" + ifname, runDir);
    }

    private static List<String> env(Path runDir) {
        return List.of("env", CountersDirectory.ENV + "=" + runDir);
    }

    /**
     * Starts {@code command}, a whole command line that ends in {@code sluice lb ...} on {@code ifname}
     * (e.g. under reduced privileges), in {@code workDir}, its run directory {@code runDir}.
     */
    static LbProcess start(List<String> command, Path workDir, Path runDir, String ifname) throws IOException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        return new LbProcess(p, "lb-" + ifname, runDir);
    }

    /** The run directory its counters file is in. */
    Path runDir() {
        return runDir;
    }

    /** Waits until the balancer says it runs ("lb IF: ..."): its program is attached then. */
    LbProcess awaitRunning() {
        Await.until(() -> output().lines().anyMatch(l -> l.startsWith("lb ")) || !process.isAlive(), Duration.ofSeconds(90),
                () -> "sluice lb running; output so far:\n" + output());
        if (output().lines().noneMatch(l -> l.startsWith("lb "))) {
            throw new AssertionError("sluice lb ended before it ran:\n" + output());
        }
        return this;
    }

    /** Waits until the balancer runs ({@link #awaitRunning}) and its admin socket is there. */
    LbProcess awaitServing() {
        awaitRunning();
        Await.until(() -> Files.exists(socket()) || !process.isAlive(), Duration.ofSeconds(90),
                () -> "sluice lb serving " + socket() + "; output so far:\n" + output());
        if (!Files.exists(socket())) {
            throw new AssertionError("sluice lb ended before it served its socket:\n" + output());
        }
        return this;
    }

    /** Waits (at most {@code deadline}) for a line of its output that contains every one of {@code parts}; returns it. */
    String awaitLine(Duration deadline, String... parts) {
        Await.until(() -> matching(parts) != null, deadline,
                () -> "a line of sluice lb containing " + String.join(" and ", parts) + "; output so far:\n" + output());
        return matching(parts);
    }

    /**
     * Does {@code action} (sends a signal, say), then waits (at most {@code deadline}) for a line
     * that came after it and contains every one of {@code parts}; returns it.
     */
    String awaitLineAfterSignal(java.util.function.Consumer<LbProcess> action, Duration deadline, String... parts) {
        int before = lines.count();
        action.accept(this);
        java.util.function.Supplier<String> found = () -> lines.since(before).stream()
                .filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).findFirst().orElse(null);
        Await.until(() -> found.get() != null, deadline,
                () -> "a line of sluice lb containing " + String.join(" and ", parts) + "; output so far:\n" + output());
        return found.get();
    }

    /** How many lines of its output so far contain every one of {@code parts}. */
    long count(String... parts) {
        return output().lines().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).count();
    }

    private String matching(String... parts) {
        return output().lines().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).findFirst().orElse(null);
    }

    /**
     * {@code sluice lb COMMAND ARGS --instance PID} (status, reload, drain, undrain) against this
     * balancer, as an operator runs it (root, the default run directory, any namespace: the admin
     * socket is a file).
     */
    Cli.Result admin(String command, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(List.of("--instance", Long.toString(pid())));
        return adminWithoutInstance(all.toArray(String[]::new));
    }

    /**
     * {@code sluice lb ARGS} (an admin subcommand) in its run directory as given, no {@code --instance}
     * added: the command finds the instance, or refuses, as it does for an operator.
     */
    Cli.Result adminWithoutInstance(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("lb"));
        all.addAll(List.of(args));
        return Cli.run(env(runDir), 90, all.toArray(String[]::new));
    }

    /** Its counters file (in its run directory). */
    Path countersFile() {
        return CountersDirectory.fileFor(runDir, process.pid(), instance);
    }

    /** Its admin socket (next to its counters file). */
    Path socket() {
        return CountersDirectory.socketFor(countersFile());
    }

    /** Its counters instance name: "lb-" + the interface. */
    String instance() {
        return instance;
    }

    /** Sends signal {@code name} (HUP, INT, ...). */
    void signal(String name) {
        Commands.run("kill", "-" + name, Long.toString(process.pid()));
    }

    /** Sends SIGHUP: the balancer reloads its configuration file. */
    void hangUp() {
        signal("HUP");
    }

    /** SIGKILL: nothing of the process's own runs, its files stay behind. */
    void killHard() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("sluice lb survived SIGKILL for 60 s");
        }
    }

    String output() {
        return lines.text();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGINT (what Ctrl-C sends), waits for the end and returns the exit code. */
    int interrupt() throws InterruptedException {
        signal("INT");
        return awaitExit();
    }

    /** Sends SIGTERM (what {@code systemctl stop} sends), waits for the end and returns the exit code. */
    int terminate() throws InterruptedException {
        signal("TERM");
        return awaitExit();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("sluice lb did not end within 60 s:\n" + output());
        }
        lines.awaitEnd(5000);
        return process.exitValue();
    }

    /** The fields of the last {@code summary} line. */
    Map<String, String> summary() {
        return CliSystemTest.summary(output());
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Files.deleteIfExists(socket());
        Files.deleteIfExists(countersFile());
    }
}
