package dev.sluice.cli;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGHUP to this very JVM, with and without a reload that throws; no JVM flag needed. */
class HangupReloadTest {
    @Test
    void sighupRunsTheReloadAndLogsItAndAFailure() throws Exception {
        AtomicInteger reloads = new AtomicInteger();
        List<String> log = new CopyOnWriteArrayList<>();
        try (HangupReload ignored = HangupReload.install(() -> {
            if (reloads.incrementAndGet() == 2) {
                throw new IllegalStateException("tables half built");
            }
        }, log::add)) {
            hangUp();
            Await.until(() -> reloads.get() == 1 && log.size() == 1, Duration.ofSeconds(30), () -> "one reload, log " + log);
            hangUp();
            Await.until(() -> log.size() == 3, Duration.ofSeconds(30), () -> "second reload logged: " + log);
        }
        assertThat(log).containsExactly("SIGHUP: reloading the configuration file", "SIGHUP: reloading the configuration file",
                "reload failed: internal error: java.lang.IllegalStateException: tables half built");
        assertThat(reloads.get()).isEqualTo(2);
    }

    private static void hangUp() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
        assertThat(kill.waitFor()).isZero();
    }
}
