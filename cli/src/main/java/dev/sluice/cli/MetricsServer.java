package dev.sluice.cli;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The {@code --metrics [ADDR:]PORT} endpoint: Prometheus text format at {@code /metrics}, on
 * loopback unless an address is given. Port 0 picks a free port (printed, for tests and scripts).
 */
final class MetricsServer implements AutoCloseable {
    static final String DEFAULT = ":9464";

    private final HTTPServer server;
    private final String url;
    private boolean closed;

    private MetricsServer(HTTPServer server, String url) {
        this.server = server;
        this.url = url;
    }

    /** Parses {@code PORT}, {@code :PORT}, {@code HOST:PORT} or {@code [V6]:PORT}; no host means 127.0.0.1. */
    static InetSocketAddress parse(String spec) {
        String s = spec == null ? "" : spec.strip();
        String host = "127.0.0.1";
        String port = s;
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            port = s.substring(colon + 1);
            String h = s.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            if (!h.isEmpty()) {
                host = h;
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new Main.UserError("--metrics wants [ADDR:]PORT, e.g. 9464 or 0.0.0.0:9464, not '" + spec + "'");
        }
        if (p < 0 || p > 65535) {
            throw new Main.UserError("--metrics port must be in 0..65535, not " + p);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new Main.UserError("--metrics address '" + host + "' does not resolve");
        }
    }

    static MetricsServer start(String spec, MultiCollector collector) {
        InetSocketAddress at = parse(spec);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        try {
            HTTPServer server = HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort()).registry(registry)
                    .buildAndStart();
            String host = at.getAddress().getHostAddress();
            if (host.contains(":")) {
                host = "[" + host + "]";
            }
            return new MetricsServer(server, "http://" + host + ":" + server.getPort() + "/metrics");
        } catch (IOException e) {
            throw new Main.UserError("cannot serve metrics on " + at.getAddress().getHostAddress() + ":" + at.getPort() + ": "
                    + e.getMessage() + " (choose another --metrics port)");
        }
    }

    String url() {
        return url;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.close();
        }
    }
}
