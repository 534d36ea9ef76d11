package dev.sluice.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs external commands (iproute2, ethtool, ...) for test set-up, failing with their output. */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code command}; returns its output (stdout and stderr); throws with the output on a non-zero exit. */
    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + " (is it installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    /** As {@link #run}, for clean-up: a failure is reported on stderr, not thrown. */
    public static void runQuietly(String... command) {
        try {
            run(command);
        } catch (RuntimeException e) {
            System.err.println("clean-up failed: " + e.getMessage());
        }
    }
}
