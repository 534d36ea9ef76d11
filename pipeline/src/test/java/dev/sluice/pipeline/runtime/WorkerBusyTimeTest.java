package dev.sluice.pipeline.runtime;

import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.counters.Labels;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.testing.Await;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker's polls and busy time, as group "worker" of a counters file. */
class WorkerBusyTimeTest {
    @TempDir
    Path dir;

    @Test
    void idlePollsAreCountedAndAddNoBusyTime() {
        try (CountersFile file = CountersFile.create(dir, "workers", "test", 64);
             XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, new byte[64], false, false)) {
            Pipeline p = Pipeline.builder().port(sim.queue()).idle("yield").counters(file)
                    .handler(() -> new ForwardHandler(ForwardMode.RXONLY)).start();
            WorkerCounters w = p.counters(0);
            Await.until(() -> w.get(WorkerCounters.IDLE_POLLS) > 0, Duration.ofSeconds(60), "idle polls published");
            p.close();
            try (CountersReader r = CountersReader.open(file.path())) {
                List<CountersReader.Group> workers = r.snapshot().stream().filter(g -> g.kind().equals(WorkerCounters.KIND)).toList();
                assertThat(workers).singleElement().satisfies(g -> {
                    assertThat(g.labels()).isEqualTo(Labels.of("worker", "0"));
                    assertThat(g.value("idle_polls")).isPositive().isEqualTo(w.get(WorkerCounters.IDLE_POLLS));
                    assertThat(g.value("rx")).isZero(); // the simulator never delivered a packet
                    // the only work was control (close's own commands): no cycle was busy for another reason
                    assertThat(g.value("busy_polls")).isLessThanOrEqualTo(g.value("commands"));
                });
            }
        }
    }

    @Test
    void busyPollsAddTheirTimeToBusyNs() {
        try (CountersFile file = CountersFile.create(dir, "busy", "test", 64);
             XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, new byte[64], false, false)) {
            Pipeline p = Pipeline.builder().port(sim.queue()).idle("yield").counters(file)
                    .handler(() -> new ForwardHandler(ForwardMode.RXONLY)).start();
            WorkerCounters w = p.counters(0);
            // The kernel side runs on this thread, the worker on its own: deliver until a busy poll
            // has been published (every 1024 polls) with its time.
            Await.until(() -> {
                sim.step(64);
                return w.get(WorkerCounters.BUSY_POLLS) > 0 && w.get(WorkerCounters.BUSY_NS) > 0;
            }, Duration.ofSeconds(60), "busy polls and busy time published");
            p.close();
            assertThat(w.get(WorkerCounters.BUSY_NS)).isPositive();
        }
    }
}
