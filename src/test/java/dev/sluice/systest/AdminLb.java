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
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice lb} in a namespace with a run directory of the test's own ({@code SLUICE_RUN_DIR}),
 * so that the admin subcommands see exactly the instances the test started, and those subcommands
 * run as an operator would (in the host's namespace: the socket is a file, reachable from any).
 * {@link #close()} kills the balancer if it still runs and removes the files it left.
 */
final class AdminLb implements AutoCloseable {
    private final Process process;
    private final Path runDir;
    private final String instance;
    private final OutputLines lines;

    private AdminLb(Process process, Path runDir, String instance) {
        this.process = process;
        this.runDir = runDir;
        this.instance = instance;
        lines = new OutputLines(process, "admin-lb-output");
    }

    /** Starts {@code sluice lb --config CONFIG} in {@code netns} with its files in {@code runDir}. */
    static AdminLb start(Path runDir, String netns, String ifname, Path config) throws IOException {
        List<String> prefix = new ArrayList<>(env(runDir));
        prefix.addAll(Cli.inNetns(netns));
        Process p = new ProcessBuilder(Cli.command(prefix, "lb", "--config", config.toString())).redirectErrorStream(true).start();
        return new AdminLb(p, runDir, "lb-" + ifname);
    }

    static List<String> env(Path runDir) {
        return List.of("env", CountersDirectory.ENV + "=" + runDir);
    }

    /** Waits until the balancer runs and its admin socket is there. */
    AdminLb awaitServing() {
        Await.until(() -> (output().lines().anyMatch(l -> l.startsWith("lb ")) && Files.exists(socket())) || !process.isAlive(),
                Duration.ofSeconds(90), () -> "sluice lb serving " + socket() + "; output so far:\n" + output());
        if (!process.isAlive()) {
            throw new AssertionError("sluice lb ended before it served its socket:\n" + output());
        }
        return this;
    }

    /** {@code sluice lb ARGS} (an admin subcommand) against this run directory. */
    Cli.Result admin(String... args) throws IOException, InterruptedException {
        return admin(runDir, args);
    }

    static Cli.Result admin(Path runDir, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("lb"));
        all.addAll(List.of(args));
        return Cli.run(env(runDir), 90, all.toArray(String[]::new));
    }

    Path countersFile() {
        return CountersDirectory.fileFor(runDir, process.pid(), instance);
    }

    Path socket() {
        return CountersDirectory.socketFor(countersFile());
    }

    String instance() {
        return instance;
    }

    long pid() {
        return process.pid();
    }

    String output() {
        return lines.text();
    }

    void signal(String name) {
        Commands.run("kill", "-" + name, Long.toString(process.pid()));
    }

    /** SIGKILL: nothing of the process's own runs, its files stay behind. */
    void killHard() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("sluice lb survived SIGKILL for 60 s");
        }
    }

    /** SIGINT; returns the exit code. */
    int interrupt() throws InterruptedException {
        signal("INT");
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("sluice lb did not end within 60 s of SIGINT:\n" + output());
        }
        lines.awaitEnd(5000);
        return process.exitValue();
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
