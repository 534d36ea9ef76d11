package dev.sluice.pipeline.runtime;

import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a pipeline publishes in a counters file, what it does with errors, and how close fails. */
class PipelineErrorsAndCountersTest {
    private static final long TIMEOUT_NANOS = 30_000_000_000L;

    @TempDir
    Path dir;

    /** Every worker, whatever their number, publishes its duty cycles as "worker N" for sluice stat. */
    @ParameterizedTest(name = "workers={0}")
    @ValueSource(ints = {1, 2})
    void everyWorkerPublishesItsPollsInTheCountersFile(int workers) {
        try (MemoryRig rig = new MemoryRig(1, 4096, 1024);
             CountersFile file = CountersFile.create(dir, "workers", "test", 64)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(workers).hashing(Toeplitz.symmetric())
                    .idle("yield").handler(() -> (b, v) -> v.transmitEachBack()).counters(file).start();
            rig.run(5_000, 256, 16, null);
            try (CountersReader r = CountersReader.open(file.path())) {
                // Idle duty cycles are published every so many cycles: wait until every worker's show.
                awaitTrue(() -> snapshotOf(r, "idle_polls").stream().allMatch(c -> c.value() > 0)
                        && snapshotOf(r, "idle_polls").size() == workers);
                p.close();
                List<CountersReader.Group> groups = r.snapshot().stream().filter(g -> g.kind().equals(WorkerCounters.KIND)).toList();
                assertThat(groups).hasSize(workers);
                for (int w = 0; w < workers; w++) {
                    String id = Integer.toString(w);
                    CountersReader.Group g = groups.stream().filter(x -> id.equals(x.labels().get("worker"))).findFirst().orElseThrow();
                    for (int c = 0; c < WorkerCounters.COUNT; c++) {
                        assertThat(g.value(WorkerCounters.name(c))).as("worker " + w + " " + WorkerCounters.name(c))
                                .isEqualTo(p.counters(w).get(c));
                    }
                }
                assertThat(p.counters(0).get(WorkerCounters.BUSY_POLLS)).isPositive();
                assertThat(p.counters(0).get(WorkerCounters.ERRORS)).isZero();
            }
            rig.assertAllFramesBack();
        }
    }

    /**
     * A handler that throws: every exception is counted in the worker's counters file entry, its
     * burst dropped; the first of each exception class is logged once, the rest only counted.
     */
    @Test
    void handlerErrorsAreCountedAndTheFirstOfEachKindIsLoggedOnce() {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        try (MemoryRig rig = new MemoryRig(1, 4096, 1024);
             CountersFile file = CountersFile.create(dir, "errors", "test", 64)) {
            Pipeline p = Pipeline.builder().port(rig.pipelinePorts().getFirst()).idle("yield").counters(file).errorLog(log::add)
                    .handler(() -> (b, v) -> {
                        throw calls.incrementAndGet() % 2 == 0 ? new IllegalStateException("even " + calls.get())
                                : new ArithmeticException("odd " + calls.get());
                    }).ownership(rig.ownership).start();
            while (calls.get() < 10) {
                if (rig.sent - p.total(WorkerCounters.PROCESSED) < 64) {
                    rig.send(0, 8, 0, 4, false);
                }
                assertThat(rig.sent).as("bursts the handler saw: %d", calls.get()).isLessThan(1_000_000);
            }
            awaitTrue(() -> p.total(WorkerCounters.PROCESSED) == rig.sent);
            p.close();
            long errors = p.total(WorkerCounters.ERRORS);
            assertThat(errors).isEqualTo(calls.get());
            assertThat(p.total(WorkerCounters.DROPPED)).isEqualTo(rig.sent);
            try (CountersReader r = CountersReader.open(file.path())) {
                assertThat(snapshotOf(r, "errors")).singleElement().extracting(CountersReader.Counter::value).isEqualTo(errors);
            }
            assertThat(log).hasSize(2);
            assertThat(log).anySatisfy(m -> assertThat(m).startsWith("sluice-worker-0 its handler threw, the burst was dropped")
                    .contains("java.lang.ArithmeticException: odd 1"));
            assertThat(log).anySatisfy(m -> assertThat(m).contains("java.lang.IllegalStateException: even 2"));
            assertThat(p.errors()).as("agent errors").isZero();
            rig.assertAllFramesBack();
        }
    }

    /** A failing duty cycle (here: a control command that throws) is counted and logged the same way. */
    @Test
    void agentErrorsAreCountedAndLoggedOnce() {
        List<String> log = new CopyOnWriteArrayList<>();
        try (MemoryRig rig = new MemoryRig(1, 1024, 256)) {
            Pipeline p = Pipeline.builder().port(rig.pipelinePorts().getFirst()).idle("yield").errorLog(log::add)
                    .handler(() -> (b, v) -> v.transmitEachBack()).start();
            for (int i = 0; i < 3; i++) {
                assertThat(p.send(0, w -> {
                    throw new UnsupportedOperationException("command " + w.workerId());
                }).await(Duration.ofSeconds(30))).isTrue();
            }
            awaitTrue(() -> p.errors() == 3);
            p.close();
            assertThat(p.counters(0).get(WorkerCounters.ERRORS)).isEqualTo(3);
            assertThat(p.firstError()).hasMessage("command 0");
            assertThat(log).singleElement().satisfies(m -> assertThat(m).startsWith("sluice-worker-0 failed")
                    .contains("java.lang.UnsupportedOperationException: command 0"));
        }
    }

    /** A port that keeps what it is given to transmit: close cannot drain and says so. */
    @Test
    void aDrainTimeoutIsAnErrorTheCallerSees() {
        try (MemoryRig rig = new MemoryRig(1, 1024, 256)) {
            KeepingPort port = new KeepingPort(rig.pipelinePorts().getFirst());
            Pipeline p = Pipeline.builder().port(port).idle("yield").drainTimeout(Duration.ofMillis(200))
                    .handler(() -> (b, v) -> v.transmitEachBack()).start();
            rig.send(0, 5, 0, 1, false);
            awaitTrue(() -> p.total(WorkerCounters.PROCESSED) == 5);
            assertThatThrownBy(p::close).isInstanceOf(IllegalStateException.class)
                    .hasMessage("the pipeline still held 5 frames after draining for 200 ms (a port that takes no more"
                            + " packets?); they are lost to the pool");
            p.close(); // closed all the same: a second close does nothing
            assertThat(port.counters().get(PortCounters.TX_PACKETS)).isZero();
        }
    }

    /** Delegates to a port, but its transmit takes nothing: packets stay in the caller's batch. */
    private record KeepingPort(Port port) implements Port {
        @Override
        public String name() {
            return "keeping " + port.name();
        }

        @Override
        public PacketBatch newBatch(int capacity) {
            return port.newBatch(capacity);
        }

        @Override
        public int receive(PacketBatch batch) {
            return port.receive(batch);
        }

        @Override
        public int transmit(PacketBatch batch) {
            return 0;
        }

        @Override
        public int allocate(PacketBatch batch, int count, int length) {
            return port.allocate(batch, count, length);
        }

        @Override
        public void release(PacketBatch batch) {
            port.release(batch);
        }

        @Override
        public PortCounters counters() {
            return port.counters();
        }

        @Override
        public void close() {
            port.close();
        }
    }

    /** Counter {@code name} of every worker group in the file. */
    private static List<CountersReader.Counter> snapshotOf(CountersReader r, String name) {
        return r.snapshot().stream().filter(g -> g.kind().equals(WorkerCounters.KIND))
                .flatMap(g -> g.counters().stream()).filter(c -> c.name().equals(name)).toList();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not met in time").isNegative();
            Thread.onSpinWait();
        }
    }
}
