package dev.sluice.cli.demo;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's live lines, one a second: requests per second, ok and failed, and per backend its
 * health as the balancer sees it and the requests it answered per second; events (a backend
 * stopped, the balancer's health changes) in between, on lines of their own.
 */
final class LiveView {
    private final PrintStream out;
    private final List<DemoNetwork.Backend> backends;

    LiveView(PrintStream out, List<DemoNetwork.Backend> backends) {
        this.out = out;
        this.backends = backends;
    }

    void header() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%6s %6s %6s %6s", "time", "req/s", "ok", "failed"));
        for (DemoNetwork.Backend backend : backends) {
            b.append(String.format(Locale.ROOT, "   %-18s", backend.name + " " + backend.address));
        }
        out.println(b.toString().stripTrailing());
    }

    /**
     * @param health each backend's health by name: "up", "down", or "-" while unknown
     */
    void second(double seconds, RequestTally.Second s, Map<String, String> health) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%5.0fs %6d %6d %6d", seconds, s.ok() + s.failed(),
                s.ok(), s.failed()));
        for (DemoNetwork.Backend backend : backends) {
            String state = health.getOrDefault(backend.name, "-");
            b.append(String.format(Locale.ROOT, "   %-6s %6d/s   ", state, s.perBackend().getOrDefault(backend.name, 0L)));
        }
        out.println(b.toString().stripTrailing());
    }

    void event(double seconds, String text) {
        out.printf(Locale.ROOT, "%5.1fs  %s%n", seconds, text);
    }
}
