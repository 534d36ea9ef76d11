package dev.sluice.systest;

import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test that fails before it stops a process it started in its namespaces (a {@code sluice fwd}
 * it meant to end with Ctrl-C) must not leave that process running: closing the pair kills it.
 */
class NetnsPairCleanupSystemTest {
    @Test
    void closingThePairKillsProcessesItDidNotStart() throws Exception {
        Privileged.requireNamespaces("creates network namespaces");
        Process stray;
        try (NetnsPair box = NetnsPair.create("cleanup")) {
            stray = new ProcessBuilder("ip", "netns", "exec", box.nsA, "sleep", "3600").start();
            assertThat(stray.isAlive()).isTrue();
        }
        assertThat(stray.waitFor(30, TimeUnit.SECONDS)).as("the stray process ended with its namespace").isTrue();
    }
}
