package dev.sluice.systest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process's output (standard output, and standard error when the builder merged it), read
 * line by line as it comes on a daemon thread of its own, so the child never blocks on a full pipe
 * and a test can wait for a line while it runs. The thread ends with the process's output.
 */
final class OutputLines {
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    OutputLines(Process process, String threadName) {
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, threadName);
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits (at most {@code millis}) until the output has ended and every line is read. */
    void awaitEnd(long millis) throws InterruptedException {
        reader.join(millis);
    }

    /** Every line so far, each ending in a newline. */
    String text() {
        synchronized (lines) {
            return String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
        }
    }

    /** How many lines have come so far. */
    int count() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** The lines that came after the first {@code from}. */
    List<String> since(int from) {
        synchronized (lines) {
            return List.copyOf(lines.subList(from, lines.size()));
        }
    }
}
