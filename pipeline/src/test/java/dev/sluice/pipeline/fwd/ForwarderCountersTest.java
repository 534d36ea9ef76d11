package dev.sluice.pipeline.fwd;

import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.counters.Labels;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.pipeline.runtime.WorkerCounters;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A forwarder's workers count their polls and busy time in a counters file, as group "worker". */
class ForwarderCountersTest {
    @TempDir
    Path dir;

    @Test
    void workersCountPollsAndBusyTimeInTheFile() throws Exception {
        byte[] frame = new byte[64];
        try (CountersFile file = CountersFile.create(dir, "workers", "test", 64);
             XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, frame, false, false);
             Forwarder f = new Forwarder(List.of(sim.queue()), ForwardMode.RXONLY, 64, null, file)) {
            f.start();
            WorkerCounters w = f.workers().getFirst();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (w.get(WorkerCounters.IDLE_POLLS) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // published every 1024 polls
            }
            f.stop();
            try (CountersReader r = CountersReader.open(file.path())) {
                List<CountersReader.Group> all = r.snapshot();
                assertThat(all).hasSize(1); // the simulated queue counts in memory
                CountersReader.Group worker = all.stream().filter(g -> g.kind().equals("worker")).findFirst().orElseThrow();
                assertThat(worker.labels()).isEqualTo(Labels.of("worker", "0"));
                assertThat(worker.value("idle_polls")).isPositive().isEqualTo(w.get(WorkerCounters.IDLE_POLLS));
                assertThat(worker.value("busy_polls")).isZero(); // the simulator never delivered a packet
                assertThat(worker.value("busy_ns")).isZero();
            }
        }
    }

    @Test
    void busyPollsAddTheirTimeToBusyNs() throws Exception {
        byte[] frame = new byte[64];
        try (CountersFile file = CountersFile.create(dir, "busy", "test", 64);
             XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, frame, false, false, file);
             Forwarder f = new Forwarder(List.of(sim.queue()), ForwardMode.RXONLY, 64, null, file)) {
            f.start();
            WorkerCounters w = f.workers().getFirst();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (w.get(WorkerCounters.BUSY_POLLS) == 0 && System.nanoTime() < deadline) {
                sim.step(64); // the kernel side delivers a burst
            }
            f.stop();
            assertThat(w.get(WorkerCounters.BUSY_POLLS)).isPositive();
            assertThat(w.get(WorkerCounters.BUSY_NS)).isPositive();
        }
    }
}
