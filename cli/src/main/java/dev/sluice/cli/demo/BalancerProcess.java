package dev.sluice.cli.demo;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersReader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code sluice lb}, run as a child process in the balancer's namespace with this JVM's
 * own java and class path ({@code ip netns exec NS java ... lb --config FILE}). Its output is read
 * as it comes: the line saying it runs, its log (health changes are timestamped on arrival, reload
 * outcomes counted) and its closing {@code summary} line. Its counters file gives each backend's
 * health gauge while it runs.
 */
final class BalancerProcess implements AutoCloseable {
    /** {@code health: backend 10.0.1.12 port 80 (http /healthz) is down: ...}, as the balancer logs it. */
    static final Pattern HEALTH = Pattern.compile("health: backend (\\S+) .*?\\bis (up|down)\\b.*");
    private static final String LOG_PREFIX = "sluice lb: ";
    private static final int KEPT_LINES = 200;

    /** A health change the balancer announced, at the instant its line arrived. */
    record HealthChange(long nanos, String address, boolean up, String line) {
    }

    private final Process process;
    private final String instance;
    private final Thread reader;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final List<HealthChange> changes = new ArrayList<>();
    private final Consumer<String> log;
    private volatile boolean running;
    private volatile Map<String, String> summary;
    private int reloadsApplied;
    private int reloadsRefused;
    private CountersReader counters;

    private BalancerProcess(Process process, String instance, Consumer<String> log) {
        this.process = process;
        this.instance = instance;
        this.log = log;
        reader = new Thread(this::read, "demo-lb-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code sluice lb --config CONFIG} in {@code ns} and waits until it runs (its program is
     * attached then).
     *
     * @param log       receives each line the balancer logs (without its "sluice lb: " prefix)
     * @param cancelled true once the user pressed Ctrl-C: the wait ends
     * @throws DemoSetupException when it ends before it runs (with its last words)
     */
    static BalancerProcess start(String ns, String ifname, Path config, Consumer<String> log, BooleanSupplier cancelled) {
        List<String> command = Exec.background(ns, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xss2m",
                "-cp", System.getProperty("java.class.path"), "dev.sluice.cli.Main", "lb", "--config", config.toString());
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new DemoSetupException("cannot start sluice lb: " + e.getMessage());
        }
        BalancerProcess lb = new BalancerProcess(p, "lb-" + ifname, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!lb.running && p.isAlive() && System.nanoTime() < deadline) {
            if (cancelled.getAsBoolean()) {
                lb.close();
                throw new DemoSetupException(DemoNetwork.STOPPED);
            }
            DemoNetwork.pause(50);
        }
        if (!lb.running) {
            lb.close();
            throw new DemoSetupException("sluice lb did not start in the demo's network: " + Exec.oneLine(lb.lastWords()));
        }
        return lb;
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                synchronized (this) {
                    lastLines.addLast(line);
                    if (lastLines.size() > KEPT_LINES) {
                        lastLines.removeFirst();
                    }
                }
                if (line.startsWith("lb ")) {
                    running = true;
                } else if (line.startsWith("summary ")) {
                    summary = parseSummary(line);
                } else if (line.startsWith(LOG_PREFIX)) {
                    logged(now, line.substring(LOG_PREFIX.length()));
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private void logged(long now, String message) {
        Matcher m = HEALTH.matcher(message);
        synchronized (this) {
            if (m.matches()) {
                changes.add(new HealthChange(now, m.group(1), m.group(2).equals("up"), message));
            } else if (refusedReload(message)) {
                reloadsRefused++;
            } else if (message.startsWith("reload")) {
                reloadsApplied++;
            }
        }
        log.accept(message);
    }

    /** Whether a logged line says a reload was refused or failed ("reload refused: ...", "reload failed: ..."). */
    static boolean refusedReload(String message) {
        return message.startsWith("reload refused") || message.startsWith("reload failed");
    }

    static Map<String, String> parseSummary(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.substring("summary ".length()).strip().split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    synchronized List<HealthChange> healthChanges() {
        return List.copyOf(changes);
    }

    synchronized int reloadsApplied() {
        return reloadsApplied;
    }

    synchronized int reloadsRefused() {
        return reloadsRefused;
    }

    /** Its last lines of output, for a message when it failed. */
    synchronized String lastWords() {
        return String.join("\n", lastLines);
    }

    /** Its counters file. */
    Path countersFile() {
        return CountersDirectory.fileFor(CountersDirectory.resolve(), process.pid(), instance);
    }

    /**
     * The {@code up} gauge of each backend ({@code lb_backend} groups, by backend address) from its
     * counters file; empty when the file has no such groups.
     */
    synchronized Map<String, Boolean> backendsUp() {
        Map<String, Boolean> up = new HashMap<>();
        try {
            if (counters == null) {
                counters = CountersReader.open(countersFile());
            }
            for (CountersReader.Group g : counters.snapshot()) {
                String backend = g.labels().get("backend");
                long value = g.value("up");
                if (g.kind().equals("lb_backend") && backend != null && value >= 0) {
                    up.merge(backend, value != 0, Boolean::logicalAnd);
                }
            }
        } catch (RuntimeException notThere) {
            // not written yet, or removed as it ends: no health to show this second
        }
        return up;
    }

    /** The counters file's size in bytes and the group records it ever used, or null when it cannot be read. */
    synchronized long[] countersFileUse() {
        try {
            if (counters == null) {
                counters = CountersReader.open(countersFile());
            }
            return new long[] {Files.size(countersFile()), counters.recordLimitAcquire()};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Asks it to reload its configuration file (SIGHUP). */
    void reload() {
        Exec.signal(process.pid(), "HUP");
    }

    /**
     * Stops it as Ctrl-C does (SIGINT: it detaches and prints its summary) and returns its summary,
     * or null when it printed none.
     */
    Map<String, String> stop() {
        closeCounters();
        if (process.isAlive()) {
            Exec.signal(process.pid(), "INT");
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    Exec.kill(process);
                }
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return summary;
    }

    private synchronized void closeCounters() {
        if (counters != null) {
            counters.close();
            counters = null;
        }
    }

    /** Kills it if it still runs; removes its counters file and admin socket if it could not (killed, crashed). */
    @Override
    public void close() {
        closeCounters();
        if (process.isAlive()) {
            Exec.kill(process);
        }
        Path file = countersFile();
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(CountersDirectory.socketFor(file));
        } catch (IOException ignored) {
            // removed as stale by the next instance that looks
        }
    }
}
