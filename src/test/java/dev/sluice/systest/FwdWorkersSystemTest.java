package dev.sluice.systest;

import dev.sluice.counters.CountersDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice fwd} runs on the pipeline whatever its worker count: every worker's counters are in
 * the counters file for {@code sluice stat}, with one worker per queue and with more workers than
 * queues (flow hashing) alike. The memory driver needs no network and no privilege.
 */
class FwdWorkersSystemTest {
    private Path runDir;

    @BeforeEach
    void setUp() throws IOException {
        runDir = Files.createTempDirectory("sluice-run");
    }

    @AfterEach
    void removeRunDir() throws IOException {
        try (Stream<Path> s = Files.walk(runDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest(name = "workers={0}")
    @ValueSource(ints = {1, 2})
    void statShowsEveryWorkersCounters(int workers) throws Exception {
        List<String> env = List.of("env", CountersDirectory.ENV + "=" + runDir);
        String idle = workers == 1 ? "spin" : "backoff"; // fwd's default, and one --idle chooses
        List<String> idleOption = workers == 1 ? List.of() : List.of("--idle", idle);
        List<String> args = new java.util.ArrayList<>(List.of("fwd", "--driver", "memory", "--mode", "macswap",
                "--workers", "" + workers, "--warmup-ms", "200", "--duration", "60"));
        args.addAll(idleOption);
        Process fwd = new ProcessBuilder(Cli.command(env, args.toArray(String[]::new))).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(fwd.getInputStream(), StandardCharsets.UTF_8));
            String header = readUntilHeader(out);
            assertThat(header).contains(workers + " worker" + (workers == 1 ? "," : "s")).contains("idle " + idle);
            // Workers publish their duty cycles every so many cycles: wait until every one has. (The
            // memory driver delivers one flow: with hashing, one worker gets every packet, the other none.)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            Map<String, Long> c;
            while (true) {
                Cli.Result once = Cli.run(env, 60, "stat", "--once");
                assertThat(once.exit()).as(once.err()).isZero();
                c = StatSystemTest.parseOnce(once.out());
                Map<String, Long> seen = c;
                boolean all = IntStream.range(0, workers).allMatch(w -> seen.getOrDefault("worker worker=" + w + " busy_polls", 0L)
                        + seen.getOrDefault("worker worker=" + w + " idle_polls", 0L) > 0);
                if (all && seen.getOrDefault("worker worker=0 busy_polls", 0L) > 0) {
                    break;
                }
                assertThat(System.nanoTime() - deadline).as("worker counters never showed: %s", once.out()).isNegative();
            }
            for (int w = 0; w < workers; w++) {
                assertThat(c.get("worker worker=" + w + " errors")).as("worker %d errors", w).isZero();
            }
            assertThat(c).doesNotContainKey("worker worker=" + workers + " busy_polls");
        } finally {
            fwd.destroyForcibly();
            fwd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Reads up to the "fwd ..." header (the workers run) and returns it; fails if fwd ends first. */
    private static String readUntilHeader(BufferedReader r) throws IOException {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("fwd ")) {
                return line;
            }
        }
        throw new AssertionError("fwd ended before its header line: " + seen);
    }
}
