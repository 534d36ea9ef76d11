package dev.sluice.cli.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;

/**
 * {@code sluice demo}: the load balancer at work on real HTTP. Builds a {@link DemoNetwork} (a
 * client, the balancer host, three backends), runs the real {@code sluice lb} there
 * ({@link BalancerProcess}: DSR, an HTTP health check every second, rise 2, fall 2), makes curl
 * requests through the VIP ({@link CurlClient}, a new connection each), shows a {@link LiveView},
 * stops one backend's HTTP server midway (and starts it again at three quarters) so the failover
 * shows, then prints {@code summary requests=N ok=N failed=N} and one {@code backend NAME ADDRESS
 * requests=N} line per backend, and removes everything it made.
 *
 * <p>The run passes (exit code 0) when every failed request failed during a detection window
 * ({@link DetectionWindows}: from a stop until the balancer marked the backend down plus one
 * health interval) and no long download broke on a backend that was not stopped. With
 * {@code flapEvery} the second backend is stopped every that many seconds and started again half
 * a period later; with {@code reloadEvery} the configuration is rewritten (the third backend's
 * weight alternating between 1 and 2) and the balancer told to reload it: together the soak of
 * {@code benchmarks/lb-soak.sh}, which reads the closing {@code soak ...} lines.
 */
public final class LbDemo {
    /** Health-check interval of the demo's VIP. */
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Backends of the demo; the second is the one stopped. */
    static final int BACKENDS = 3;
    /** Requests a second one curl process starts at most. */
    static final int PER_CURL = 10;
    /** Shortest run with the midway stop: a quarter of it (stop to restart) holds a detection. */
    static final int MIN_FAILOVER_SECONDS = 12;
    /** Seconds a stop needs before the restart and the end of the run: the balancer notices it within 3. */
    static final int DETECTION_ROOM_SECONDS = 4;
    /** Download rate of each long download (bytes a second): {@code /big} lasts about 16 s. */
    static final int DOWNLOAD_RATE = 64 * 1024;

    /**
     * @param seconds      how long the client makes requests
     * @param rate         requests a second the client starts (spread over curl processes of {@value #PER_CURL} each)
     * @param flapEvery    seconds between stops of the second backend (0: one stop midway)
     * @param reloadEvery  seconds between configuration reloads (0: none)
     * @param downloads    long downloads running at once (0: none)
     */
    public record Settings(double seconds, int rate, double flapEvery, double reloadEvery, int downloads, PrintStream out) {
        boolean soak() {
            return flapEvery > 0 || reloadEvery > 0 || downloads > 0;
        }
    }

    private final Settings settings;
    private final PrintStream out;
    private final DetectionWindows windows = new DetectionWindows(INTERVAL_NANOS);
    private long startNanos;
    private int stops;
    private int reloadsSent;

    public LbDemo(Settings settings) {
        this.settings = settings;
        this.out = settings.out();
    }

    /** Every tool the demo runs, and what for; checked before anything is built. */
    public static void checkTools() {
        List<String> missing = new ArrayList<>();
        for (String[] tool : new String[][] {{"ip", "iproute2"}, {"python3", "python3"}, {"curl", "curl"}, {"ethtool", "ethtool"}}) {
            if (!Exec.onPath(tool[0])) {
                missing.add(tool[0] + " (package " + tool[1] + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new DemoSetupException("sluice demo needs " + String.join(", ", missing) + " on the PATH: the backends "
                    + "serve HTTP with python3, the client requests with curl, the sandbox is made with ip and ethtool");
        }
    }

    /**
     * Runs the demo; returns the exit code (0 passed, 1 failed: why is printed).
     *
     * @param stopRequested true once the user pressed Ctrl-C: the run ends early, everything is removed
     * @throws DemoSetupException when the sandbox cannot be built or the balancer cannot start in it
     */
    public int run(BooleanSupplier stopRequested) {
        DemoNetwork net = DemoNetwork.create(BACKENDS, stopRequested);
        try {
            introduce(net);
            Path config = net.dir().resolve("lb.yaml");
            writeConfig(net, config, 1);
            LiveView view = new LiveView(out, net.backends);
            BalancerProcess lb = BalancerProcess.start(net.balancerNs, net.balancerIf, config, line -> balancerSaid(net, view, line),
                    stopRequested);
            try {
                return drive(net, lb, view, config, stopRequested);
            } finally {
                lb.close();
            }
        } finally {
            net.close();
            out.println("demo: network removed");
            out.flush();
        }
    }

    private void introduce(DemoNetwork net) {
        out.println("demo: a load balancer in front of " + BACKENDS + " web servers, each host in a network namespace of its own:");
        out.printf("  client   %-10s curl, a new TCP connection per request to http://%s/%n", DemoNetwork.CLIENT, DemoNetwork.VIP);
        out.printf("  balancer %-10s sluice lb: VIP %s:%d, Maglev, direct server return, health check GET %s every 1 s%n",
                DemoNetwork.BALANCER, DemoNetwork.VIP, DemoNetwork.PORT, DemoNetwork.HEALTH_PATH);
        for (DemoNetwork.Backend b : net.backends) {
            out.printf("  %-8s %-10s python3 -m http.server, holds the VIP on lo and answers the client directly%n",
                    b.name, b.address);
        }
    }

    private int drive(DemoNetwork net, BalancerProcess lb, LiveView view, Path config, BooleanSupplier stopRequested) {
        RequestTally tally = new RequestTally(net.backends.stream().map(b -> b.name).toList());
        DemoNetwork.Backend flapping = net.backends.get(1);
        List<CurlClient> clients = new ArrayList<>();
        long[] countersBefore = null;
        long[] countersAfter;
        boolean balancerDied = false;
        startNanos = System.nanoTime();
        long end = startNanos + (long) (settings.seconds() * 1e9);
        Schedule schedule = new Schedule(startNanos, settings, end);
        if (!schedule.stops()) {
            out.printf("demo: no backend is stopped in a run this short (the failover needs --duration %d or more)%n",
                    settings.flapEvery() > 0 ? (int) Math.ceil(settings.flapEvery()) + DETECTION_ROOM_SECONDS : MIN_FAILOVER_SECONDS);
        }
        view.header();
        try {
            int curls = Math.max(1, (settings.rate() + PER_CURL - 1) / PER_CURL);
            for (int i = 0; i < curls; i++) {
                int share = settings.rate() / curls + (i < settings.rate() % curls ? 1 : 0);
                clients.add(CurlClient.requests(net, Math.max(1, share), tally, i));
            }
            for (int i = 0; i < settings.downloads(); i++) {
                clients.add(CurlClient.downloads(net, DOWNLOAD_RATE, tally, i));
            }
            long nextTick = startNanos + TimeUnit.SECONDS.toNanos(1);
            while (true) {
                long now = System.nanoTime();
                if (stopRequested.getAsBoolean() || now >= end) {
                    break;
                }
                if (!lb.isAlive()) {
                    balancerDied = true;
                    break;
                }
                for (Schedule.Action a : schedule.due(now)) {
                    switch (a) {
                        case STOP -> stop(net, flapping, view);
                        case START -> {
                            net.startServer(flapping);
                            view.event(seconds(System.nanoTime()), "demo: started " + flapping.name + "'s HTTP server again; "
                                    + "the balancer takes it back after 2 good checks");
                        }
                        case RELOAD -> reload(net, lb, config);
                    }
                }
                if (windows.awaitingAny()) {
                    noticeDownFromCounters(net, lb, view);
                }
                if (now >= nextTick) {
                    view.second(Math.round((now - startNanos) / 1e9), tally.second(), health(net, lb));
                    nextTick += TimeUnit.SECONDS.toNanos(1);
                    if (countersBefore == null) {
                        countersBefore = lb.countersFileUse();
                    }
                }
                DemoNetwork.pause(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(Math.min(nextTick, end) - now))));
            }
            countersAfter = lb.countersFileUse();
        } finally {
            for (CurlClient c : clients) {
                c.close();
            }
        }
        Map<String, String> lbSummary = lb.stop();
        return report(net, lb, tally, flapping, balancerDied, lbSummary, countersBefore, countersAfter);
    }

    private double seconds(long nanos) {
        return (nanos - startNanos) / 1e9;
    }

    private void stop(DemoNetwork net, DemoNetwork.Backend b, LiveView view) {
        long at = System.nanoTime();
        windows.stopped(b.name, b.address, at);
        net.stopServer(b);
        stops++;
        view.event(seconds(at), "demo: stopped " + b.name + "'s HTTP server (" + b.address + "); the balancer should mark it "
                + "down within 3 s (2 failed checks, 1 s apart)");
    }

    private void reload(DemoNetwork net, BalancerProcess lb, Path config) {
        reloadsSent++;
        writeConfig(net, config, reloadsSent % 2 == 1 ? 2 : 1);
        lb.reload();
    }

    /** A line the balancer logged: health changes close detection windows and show; reloads are counted quietly. */
    private void balancerSaid(DemoNetwork net, LiveView view, String line) {
        long now = System.nanoTime();
        if ((line.startsWith("reload") || line.startsWith("SIGHUP")) && !BalancerProcess.refusedReload(line)) {
            return;
        }
        view.event(seconds(now), "balancer: " + line);
        Matcher m = BalancerProcess.HEALTH.matcher(line);
        if (m.matches() && m.group(2).equals("down")) {
            detected(net, view, windows.markedDown(m.group(1), now));
        }
    }

    private void noticeDownFromCounters(DemoNetwork net, BalancerProcess lb, LiveView view) {
        Map<String, Boolean> up = lb.backendsUp();
        long now = System.nanoTime();
        for (DemoNetwork.Backend b : net.backends) {
            if (Boolean.FALSE.equals(up.get(b.address)) && windows.awaiting(b.address)) {
                detected(net, view, windows.markedDown(b.address, now));
            }
        }
    }

    private void detected(DemoNetwork net, LiveView view, DetectionWindows.Window w) {
        if (w != null) {
            view.event(seconds(w.downNanos), String.format(Locale.ROOT, "demo: the balancer took %s out %.1f s after its "
                    + "server stopped; new connections go to the others", w.backend, (w.downNanos - w.stoppedNanos) / 1e9));
        }
    }

    /** Each backend's health by name: the balancer's gauge when it publishes one, else its last logged change, else "-". */
    private static Map<String, String> health(DemoNetwork net, BalancerProcess lb) {
        Map<String, Boolean> gauge = lb.backendsUp();
        Map<String, Boolean> logged = new HashMap<>();
        for (BalancerProcess.HealthChange c : lb.healthChanges()) {
            logged.put(c.address(), c.up());
        }
        Map<String, String> health = new HashMap<>();
        for (DemoNetwork.Backend b : net.backends) {
            Boolean up = gauge.containsKey(b.address) ? gauge.get(b.address) : logged.get(b.address);
            health.put(b.name, up == null ? "-" : up ? "up" : "DOWN");
        }
        return health;
    }

    private int report(DemoNetwork net, BalancerProcess lb, RequestTally tally, DemoNetwork.Backend flapping,
                       boolean balancerDied, Map<String, String> lbSummary, long[] countersBefore, long[] countersAfter) {
        List<Request> failures = tally.failures();
        long outside = failures.stream().filter(r -> !windows.covers(r)).count();
        List<Request> brokenDownloads = tally.failedDownloads().stream()
                .filter(r -> !(flapping.name.equals(r.backend()) || r.backend() == null && windows.covers(r))).toList();
        out.printf("summary requests=%d ok=%d failed=%d%n", tally.requests(), tally.ok(), tally.failed());
        for (DemoNetwork.Backend b : net.backends) {
            out.printf("backend %s %s requests=%d%n", b.name, b.address, tally.answeredBy(b.name));
        }
        if (settings.soak()) {
            soakLines(lb, tally, failures.size() - outside, outside, brokenDownloads, lbSummary, countersBefore, countersAfter);
        }
        int exit = 0;
        if (balancerDied) {
            out.println("demo: FAILED: sluice lb ended during the run; its last words:");
            lb.lastWords().lines().forEach(l -> out.println("  " + l));
            exit = 1;
        }
        if (tally.ok() == 0) {
            out.println("demo: FAILED: no request succeeded");
            exit = 1;
        }
        List<DetectionWindows.Window> unnoticed = windows.windows().stream().filter(w -> w.downNanos < 0).toList();
        if (outside > 0) {
            out.printf("demo: FAILED: %d of %d failed requests failed outside detection (a detection lasts from a backend's "
                    + "stop until the balancer marks it down, plus one health interval)%s%n", outside, failures.size(),
                    unnoticed.isEmpty() ? "" : "; the balancer never marked " + unnoticed.getFirst().backend + " down after "
                            + "its stop at " + String.format(Locale.ROOT, "%.1f s", seconds(unnoticed.getFirst().stoppedNanos)));
            exit = 1;
        } else if (!failures.isEmpty()) {
            out.printf("demo: %d requests failed, all while the balancer was detecting a stopped backend%n", failures.size());
        } else if (exit == 0) {
            out.println("demo: every request succeeded");
        }
        if (!brokenDownloads.isEmpty()) {
            out.printf("demo: FAILED: %d long downloads from backends that kept running broke (curl exit codes %s)%n",
                    brokenDownloads.size(), brokenDownloads.stream().map(r -> Integer.toString(r.curlExit())).distinct().toList());
            exit = 1;
        }
        out.flush();
        return exit;
    }

    private void soakLines(BalancerProcess lb, RequestTally tally, long inDetection, long outside, List<Request> broken,
                           Map<String, String> lbSummary, long[] before, long[] after) {
        out.printf("soak seconds=%.0f stops=%d reloads_sent=%d reloads_applied=%d reloads_refused=%d%n",
                settings.seconds(), stops, reloadsSent, lb.reloadsApplied(), lb.reloadsRefused());
        out.printf("soak failed=%d in_detection=%d outside_detection=%d%n", inDetection + outside, inDetection, outside);
        List<DetectionWindows.Window> all = windows.windows();
        long[] detectMillis = all.stream().filter(w -> w.downNanos >= 0)
                .mapToLong(w -> TimeUnit.NANOSECONDS.toMillis(w.downNanos - w.stoppedNanos)).toArray();
        out.printf("soak detections=%d undetected=%d detection_ms_max=%d detection_ms_mean=%d%n", detectMillis.length,
                all.size() - detectMillis.length, Arrays.stream(detectMillis).max().orElse(0),
                Math.round(Arrays.stream(detectMillis).average().orElse(0)));
        long resets = broken.stream().filter(r -> r.curlExit() == 56).count();
        out.printf("soak downloads=%d complete=%d lost_with_stopped_backend=%d broken=%d resets=%d%n", tally.downloads(),
                tally.downloadsOk(), tally.failedDownloads().size() - broken.size(), broken.size(), resets);
        if (lbSummary != null) {
            long rx = number(lbSummary, "rx_packets");
            long tx = number(lbSummary, "tx_packets");
            long lbDropped = number(lbSummary, "lb_dropped");
            long kernelDropped = number(lbSummary, "dropped");
            out.printf("soak frames rx=%d tx=%d lb_dropped=%d ring_dropped=%d unaccounted=%d%n", rx, tx, lbDropped, kernelDropped,
                    rx - tx - lbDropped);
        } else {
            out.println("soak frames: the balancer printed no summary");
        }
        if (before != null && after != null) {
            out.printf("soak counters_file bytes_before=%d bytes_after=%d records_before=%d records_after=%d%n",
                    before[0], after[0], before[1], after[1]);
        }
    }

    private static long number(Map<String, String> summary, String key) {
        try {
            return Long.parseLong(summary.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The balancer's configuration: one DSR VIP over the backends, the third at {@code thirdWeight}. */
    static String config(DemoNetwork net, int thirdWeight) {
        StringBuilder b = new StringBuilder();
        b.append("interface: ").append(net.balancerIf).append('\n');
        b.append("vips:\n");
        b.append("  - name: web\n");
        b.append("    address: ").append(DemoNetwork.VIP).append('\n');
        b.append("    protocol: tcp\n");
        b.append("    port: ").append(DemoNetwork.PORT).append('\n');
        b.append("    forwarding: dsr\n");
        b.append("    health: {type: http, port: ").append(DemoNetwork.PORT).append(", path: ").append(DemoNetwork.HEALTH_PATH)
                .append(", expect: 200, interval: 1s, timeout: 500ms, rise: 2, fall: 2}\n");
        b.append("    backends:\n");
        for (int i = 0; i < net.backends.size(); i++) {
            b.append("      - {address: ").append(net.backends.get(i).address).append(", weight: ")
                    .append(i == 2 ? thirdWeight : 1).append("}\n");
        }
        return b.toString();
    }

    private static void writeConfig(DemoNetwork net, Path file, int thirdWeight) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(tmp, config(net, thirdWeight));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the balancer's configuration " + file + ": " + e.getMessage(), e);
        }
    }

    /** When to stop and start the second backend and to reload, in order. */
    static final class Schedule {
        enum Action { STOP, START, RELOAD }

        private record Entry(long at, Action action) {
        }

        private final List<Entry> entries = new ArrayList<>();
        private int next;

        Schedule(long start, Settings s, long end) {
            long second = TimeUnit.SECONDS.toNanos(1);
            // A stop needs room for its detection (up to 3 s) before the server starts again and before the end.
            long room = DETECTION_ROOM_SECONDS * second;
            if (s.flapEvery() > 0) {
                long period = (long) (s.flapEvery() * second);
                for (long t = start + period; t <= end - room; t += period) {
                    entries.add(new Entry(t, Action.STOP));
                    entries.add(new Entry(t + period / 2, Action.START));
                }
            } else if (end - start >= MIN_FAILOVER_SECONDS * second) {
                entries.add(new Entry(start + (end - start) / 2, Action.STOP));
                entries.add(new Entry(start + (end - start) * 3 / 4, Action.START));
            }
            if (s.reloadEvery() > 0) {
                long period = (long) (s.reloadEvery() * second);
                for (long t = start + period; t < end; t += period) {
                    entries.add(new Entry(t, Action.RELOAD));
                }
            }
            entries.removeIf(e -> e.at >= end);
            entries.sort(Comparator.comparingLong(Entry::at));
        }

        /** Whether a backend is stopped at all in this run. */
        boolean stops() {
            return entries.stream().anyMatch(e -> e.action == Action.STOP);
        }

        /** The actions due at {@code now}, each once. */
        List<Action> due(long now) {
            List<Action> due = new ArrayList<>();
            while (next < entries.size() && entries.get(next).at <= now) {
                due.add(entries.get(next++).action);
            }
            return due;
        }
    }
}
