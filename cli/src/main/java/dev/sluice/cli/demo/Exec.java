package dev.sluice.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the external commands the sandbox is made of (iproute2, sysctl, ethtool), inside a namespace or not. */
final class Exec {
    private Exec() {
    }

    /** {@code ip netns exec NS command...}. */
    static List<String> inNetns(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return c;
    }

    /**
     * {@code [setsid] ip netns exec NS command...} for a process that runs along the demo: in a
     * session of its own, so a Ctrl-C at the terminal reaches the demo alone, which then ends its
     * processes in order (the balancer first gets SIGINT and prints its summary). setsid execs in
     * place (the child is no process group leader): the pid stays the command's.
     */
    static List<String> background(String ns, String... command) {
        List<String> c = new ArrayList<>();
        if (onPath("setsid")) {
            c.add("setsid");
        }
        c.addAll(inNetns(ns, command));
        return c;
    }

    /** Runs {@code command}; returns its output (stdout and stderr); throws with the output on a non-zero exit. */
    static String run(List<String> command) {
        String shown = String.join(" ", command);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(shown + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(shown + " failed (" + p.exitValue() + "): " + oneLine(out));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + shown, e);
        }
    }

    static String run(String... command) {
        return run(List.of(command));
    }

    /** As {@link #run}, for clean-up: a failure is ignored (what it would remove may be gone already). */
    static void runQuietly(String... command) {
        try {
            run(command);
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    /** Sends {@code signal} (e.g. "INT", "HUP") to a process. */
    static void signal(long pid, String signal) {
        runQuietly("kill", "-" + signal, Long.toString(pid));
    }

    /** Stops a process and everything it started: SIGKILL, then waits for it. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Whether {@code tool} is an executable on the PATH. */
    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
