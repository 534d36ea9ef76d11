package dev.sluice.cli;

import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersFile;
import dev.sluice.counters.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice stat}'s table, rendered from a counters file with the clock given: no kind is special. */
class StatTableTest {
    @TempDir
    Path dir;

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aWorkerBusyAFewThousandTimesASecondShowsTheShareOfTimeItIsBusy() {
        try (CountersFile file = CountersFile.create(dir, "fwd-eth0", "test", 8)) {
            // 13k busy polls and 40M idle ones in a second: idle polls are cheap, the busy ones took 0.3 s
            CounterGroup worker = file.allocate("worker", Labels.of("worker", "0"), CounterType.COUNTER,
                    "busy_polls", "idle_polls", "busy_ns");
            StatTable table = new StatTable(instance(file), file.reader());
            table.render(System.currentTimeMillis(), SECOND);
            worker.set(0, 13_000);
            worker.set(1, 40_000_000);
            worker.set(2, 300_000_000);
            String frame = table.render(System.currentTimeMillis(), 2 * SECOND);
            assertThat(frame).containsPattern("worker worker=0 +busy_polls +13,000 +13,000\n")
                    .containsPattern("worker worker=0 +busy_ns +300,000,000 +30.00 %\n");
        }
    }

    @Test
    void everyGroupShowsItsKindLabelsAndRatesGaugesShowNoRate() {
        try (CountersFile file = CountersFile.create(dir, "lb", "test", 8)) {
            CounterGroup backend = file.allocate("lb_backend", Labels.of("vip", "web", "backend", "10.0.1.11"),
                    new String[] {"packets", "connections"}, new CounterType[] {CounterType.COUNTER, CounterType.GAUGE});
            StatTable table = new StatTable(instance(file), file.reader());
            table.render(System.currentTimeMillis(), SECOND);
            backend.add(0, 500);
            backend.set(1, 7);
            String frame = table.render(System.currentTimeMillis(), SECOND + SECOND / 2);
            assertThat(frame).contains("1 groups")
                    .containsPattern("lb_backend vip=web backend=10.0.1.11 +packets +500 +1,000\n")
                    .containsPattern("lb_backend vip=web backend=10.0.1.11 +connections +7 +\n");

            backend.close(); // freed, and its record reused by another group: no rate across the two
            CounterGroup other = file.allocate("lb_backend", Labels.of("vip", "web", "backend", "10.0.1.12"),
                    CounterType.COUNTER, "packets");
            other.add(0, 5);
            assertThat(other.id()).isEqualTo(backend.id());
            assertThat(table.render(System.currentTimeMillis(), 2 * SECOND))
                    .doesNotContain("10.0.1.11").containsPattern("backend=10.0.1.12 +packets +5 +\n");
        }
    }

    @Test
    void theGroupColumnIsAsWideAsTheLongestGroupSoCountersLineUp() {
        try (CountersFile file = CountersFile.create(dir, "lb", "test", 8)) {
            file.allocate("worker", Labels.of("worker", "0"), CounterType.COUNTER, "rx");
            file.allocate("lb_backend", Labels.of("vip", "web-frontend", "backend", "2001:db8:1234:5678::11"),
                    CounterType.COUNTER, "packets");
            String[] lines = new StatTable(instance(file), file.reader()).render(System.currentTimeMillis(), SECOND).split("\n");
            int column = lines[1].indexOf("COUNTER");
            assertThat(column).isGreaterThan("lb_backend vip=web-frontend backend=2001:db8:1234:5678::11".length());
            for (int i = 2; i < lines.length; i++) {
                String name = lines[i].contains("worker=0") ? "rx" : "packets";
                assertThat(lines[i].indexOf(" " + name + " ") + 1).as(lines[i]).isEqualTo(column);
            }
        }
    }

    private static CountersDirectory.Instance instance(CountersFile file) {
        return CountersDirectory.describe(file.path()).orElseThrow();
    }
}
