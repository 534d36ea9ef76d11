package dev.sluice.systest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** tcpdump in a namespace, printing link-level headers, for asserting what went over the wire. */
final class Capture implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private Capture(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isBlank()) {
                        continue; // tcpdump may end its output with an empty line when stopped: not a frame
                    }
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (Exception ignored) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts tcpdump; {@code direction} is "in", "out" or "inout". Waits until it listens. */
    static Capture start(String netns, String ifname, String direction, String filter) throws Exception {
        String dir = direction.equals("inbound") ? "in" : direction;
        return new Capture(startListening(List.of("ip", "netns", "exec", netns, "tcpdump", "-l", "-nn", "-e", "-B", "8192",
                "-Q", dir, "-i", ifname, filter)));
    }

    /**
     * Starts a tcpdump command and returns once it says "listening on ..." (on stderr, when the
     * capture is live); the rest of its stderr is drained on a daemon thread so it never blocks.
     */
    static Process startListening(List<String> tcpdump) throws Exception {
        Process p = new ProcessBuilder(tcpdump).redirectError(ProcessBuilder.Redirect.PIPE).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder said = new StringBuilder();
        while ((line = err.readLine()) != null && !line.contains("listening on")) {
            said.append(line).append('\n');
        }
        if (line == null) {
            p.destroyForcibly();
            throw new IllegalStateException("tcpdump did not start: " + said);
        }
        Thread drain = new Thread(() -> {
            try {
                while (err.readLine() != null) {
                    // discard
                }
            } catch (Exception ignored) {
                // ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    void awaitPackets(int n, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        synchronized (lines) {
            while (lines.size() < n) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                lines.wait(left);
            }
        }
    }

    List<String> stop() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
        reader.join(2000);
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
