package dev.sluice.cli.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One curl process in the client's namespace making request after request to the VIP (a URL
 * range, so curl never runs out), at most {@code perSecond} starts a second, each on a new TCP
 * connection (the backends speak HTTP/1.0 and close it): new source ports, so the flows spread
 * over the backends. Each transfer's body goes to stdout, then {@code -w} writes a status line to
 * stderr, merged into one pipe in that order; each finished transfer becomes a {@link Request}.
 * If curl ends while the load runs, it is started again.
 */
final class CurlClient implements AutoCloseable {
    /** What curl writes after each transfer (to stderr, after the body on stdout): {@link CurlOutput#STATUS}. */
    private static final String WRITE_OUT = "%{stderr}|%{http_code}|%{exitcode}|%{time_total}\\n";

    private final DemoNetwork network;
    private final String[] command;
    private final boolean longLived;
    private final Consumer<Request> sink;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Process process;

    private CurlClient(DemoNetwork network, boolean longLived, String[] command, Consumer<Request> sink, String name) {
        this.network = network;
        this.command = command;
        this.longLived = longLived;
        this.sink = sink;
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
    }

    /** Short requests for {@code /who}, at most {@code perSecond} a second. */
    static CurlClient requests(DemoNetwork network, int perSecond, Consumer<Request> sink, int n) {
        return start(new CurlClient(network, false, new String[] {"curl", "-s", "-N", "--rate", perSecond + "/s",
                "--connect-timeout", "3", "--max-time", "5", "-H", "Connection: close",
                "-w", WRITE_OUT,
                "http://" + DemoNetwork.VIP + "/who?n=[1-999999999]"}, sink, "demo-curl-" + n));
    }

    /** Downloads of {@code /big}, one after the other, each at {@code bytesPerSecond}: connections that last. */
    static CurlClient downloads(DemoNetwork network, int bytesPerSecond, Consumer<Request> sink, int n) {
        return start(new CurlClient(network, true, new String[] {"curl", "-s", "-N", "--limit-rate", Integer.toString(bytesPerSecond),
                "--connect-timeout", "3", "--max-time", "120", "-H", "Connection: close",
                "-w", WRITE_OUT,
                "http://" + DemoNetwork.VIP + "/big?n=[1-999999999]"}, sink, "demo-download-" + n));
    }

    private static CurlClient start(CurlClient c) {
        c.thread.start();
        return c;
    }

    private void loop() {
        while (!stopping) {
            try {
                Process p = network.startInClient(command);
                process = p;
                if (stopping) {
                    Exec.kill(p);
                    return;
                }
                read(p);
                p.waitFor();
            } catch (IOException e) {
                if (!stopping) {
                    System.err.println("sluice demo: cannot run curl in the client's namespace: " + e.getMessage());
                }
                return;
            } catch (InterruptedException e) {
                return;
            }
            if (!stopping) {
                DemoNetwork.pause(100);
            }
        }
    }

    private void read(Process p) throws IOException {
        CurlOutput parser = new CurlOutput(longLived);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Request done = parser.line(line, System.nanoTime());
                if (done != null && !stopping) {
                    sink.accept(done);
                }
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        Process p = process;
        if (p != null) {
            Exec.kill(p);
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
