package dev.sluice.cli;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersDirectory.Instance;
import dev.sluice.counters.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sluice stat}: the counters of a running instance, read live from its shared-memory file
 * by this separate process (the AeronStat model). A table refreshed every second with rates from
 * deltas, a one-shot machine-readable snapshot ({@code --once}), or Prometheus text format
 * ({@code --metrics}).
 */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the live counters of a running sluice instance, read from its file in this user's run "
                + "directory (/dev/shm/sluice-<uid>, or $SLUICE_RUN_DIR). With no option: the one running instance, "
                + "or a list to choose from."})
final class StatCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    @Option(names = "--instance", paramLabel = "NAME", description = "The instance of this name (e.g. fwd-eth0).")
    String instance;

    @Option(names = "--pid", paramLabel = "N", description = "The instance of this process id.")
    Long pid;

    @Option(names = "--once", description = "Print one snapshot, one line 'KIND [KEY=VALUE ...] NAME VALUE' per counter "
            + "(the group's kind and labels; NAME and VALUE are the last two fields), and exit.")
    boolean once;

    @Option(names = "--interval", paramLabel = "MS", description = "Refresh period of the table (default: ${DEFAULT-VALUE}).")
    long intervalMillis = 1000;

    @Option(names = "--metrics", arity = "0..1", fallbackValue = MetricsServer.DEFAULT, paramLabel = "[ADDR:]PORT",
            description = "Also serve the counters in Prometheus text format at http://ADDR:PORT/metrics "
                    + "(address default 127.0.0.1, port default 9464; 0: any free port).")
    String metrics;

    @Override
    public Integer call() throws Exception {
        if (intervalMillis < 10) {
            throw new Main.UserError("--interval must be at least 10 ms, not " + intervalMillis);
        }
        if (metrics != null) {
            MetricsServer.parse(metrics);
        }
        Instance chosen = choose(CountersDirectory.resolve());
        try (CountersReader reader = CountersReader.open(chosen.path())) {
            if (once) {
                printOnce(reader, System.out);
                return 0;
            }
            MetricsServer server = null;
            try {
                if (metrics != null) {
                    server = MetricsServer.start(metrics, new CountersCollector(reader, () -> running(chosen)));
                    System.out.println("metrics " + server.url());
                    System.out.flush();
                }
                live(chosen, reader, System.out);
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
        return 0;
    }

    /** Picks the instance to show; cleans up files of dead instances and says so on stderr. */
    private Instance choose(Path dir) throws Exception {
        long now = System.currentTimeMillis();
        for (Instance gone : CountersDirectory.removeStale(dir, now)) {
            System.err.printf("sluice stat: removed %s: pid %d (%s) is not running%n", gone.path(), gone.pid(), gone.name());
        }
        List<Instance> all = CountersDirectory.list(dir);
        for (Instance i : all) {
            if (!i.running()) {
                System.err.printf("sluice stat: ignoring %s: pid %d (%s) is not running%n", i.path(), i.pid(), i.name());
            }
        }
        List<Instance> candidates = all.stream().filter(Instance::running)
                .filter(i -> pid == null || i.pid() == pid)
                .filter(i -> instance == null || i.name().equals(instance))
                .toList();
        if (candidates.isEmpty()) {
            String which = pid != null ? " with pid " + pid : instance != null ? " named " + instance : "";
            throw new Main.UserError("no running sluice instance" + which + " (looked in " + dir + ")");
        }
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        System.out.println(candidates.size() + " sluice instances are running:");
        printList(candidates, System.out);
        var console = System.console();
        if (!once && console != null && console.isTerminal()) {
            System.out.print("show which one [1-" + candidates.size() + "]? ");
            System.out.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            try {
                int n = Integer.parseInt(answer == null ? "" : answer.strip());
                if (n >= 1 && n <= candidates.size()) {
                    return candidates.get(n - 1);
                }
            } catch (NumberFormatException ignored) {
                // fall through to the message below
            }
        }
        throw new Main.UserError("several sluice instances are running: choose one with --instance NAME or --pid N");
    }

    static void printList(List<Instance> instances, PrintStream out) {
        out.printf("  %-3s %-8s %-24s %-19s %8s  %s%n", "#", "PID", "NAME", "STARTED", "GROUPS", "COMMAND");
        int n = 1;
        for (Instance i : instances) {
            out.printf("  %-3d %-8d %-24s %-19s %8d  %s%n", n++, i.pid(), i.name(),
                    TIME.format(Instant.ofEpochMilli(i.startTimeMillis())), i.groups(), i.commandLine());
        }
        out.flush();
    }

    static void printOnce(CountersReader reader, PrintStream out) {
        StringBuilder sb = new StringBuilder();
        for (CountersReader.Group g : reader.snapshot()) {
            for (CountersReader.Counter c : g.counters()) {
                sb.append(g).append(' ').append(c.name()).append(' ').append(c.value()).append('\n');
            }
        }
        out.print(sb);
        out.flush();
    }

    private static boolean running(Instance i) {
        return Files.exists(i.path()) && CountersDirectory.isRunning(i.pid(), i.startTimeMillis());
    }

    /** Redraws the table every interval until the instance exits (or Ctrl-C). */
    private void live(Instance chosen, CountersReader reader, PrintStream out) throws InterruptedException {
        var console = System.console();
        boolean terminal = console != null && console.isTerminal();
        StatTable table = new StatTable(chosen, reader);
        while (true) {
            String frame = table.render(System.currentTimeMillis(), System.nanoTime());
            out.print(terminal ? "\033[H\033[2J" + frame : frame + "\n");
            out.flush();
            if (!running(chosen)) {
                out.printf("sluice stat: %s (pid %d) has exited%n", chosen.name(), chosen.pid());
                return;
            }
            Thread.sleep(intervalMillis);
        }
    }
}
