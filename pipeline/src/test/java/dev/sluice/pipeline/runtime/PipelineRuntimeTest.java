package dev.sluice.pipeline.runtime;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.testing.Await;
import dev.sluice.umem.PacketBatch;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class PipelineRuntimeTest {
    /** Bounds a wait for something that must happen; long, because a busy machine stretches everything. */
    private static final Duration WAIT = Duration.ofSeconds(60);


    /** Verdicts route packets to the other port: in on wire 0 comes out on wire 1 and vice versa. */
    @ParameterizedTest(name = "workers={0}")
    @ValueSource(ints = {1, 2})
    void verdictsRoutePacketsToTwoPorts(int workers) {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(workers)
                    .handler(() -> (batch, v) -> {
                        for (int i = 0; i < batch.count(); i++) {
                            v.transmit(i, 1 - v.receivedOn(i));
                        }
                    }).ownership(rig.ownership).start();
            rig.run(50_000, 512, 8, (wire, b, i) ->
                    assertThat(b.packet(i).getInt(MemoryRig.SENT_ON)).isEqualTo(1 - wire));
            p.close();
            assertThat(rig.receivedOn[0]).isPositive();
            assertThat(rig.receivedOn[1]).isPositive();
            assertThat(rig.received).isEqualTo(50_000);
            // with two workers every packet crosses to the other port's owner through an egress link
            assertThat(p.total(WorkerCounters.EGRESS_OUT)).isEqualTo(workers == 1 ? 0 : 50_000);
            assertThat(p.total(WorkerCounters.TX)).isEqualTo(50_000);
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /**
     * Workers that own one port each and spread flows over each other: a burst mixes packets received
     * on the worker's own port with packets handed over from the other's, and every packet's
     * {@code receivedOn} is still its own port's, whether the handler reads it per packet or sends
     * everything back ({@code transmitEachBack}).
     */
    @ParameterizedTest(name = "eachBack={0}")
    @ValueSource(booleans = {false, true})
    void receivedOnIsEachPacketsPortWhenFlowsAreSpreadOverWorkersThatOwnOnePortEach(boolean eachBack) {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).hashing(Toeplitz.symmetric())
                    .handler(() -> (batch, v) -> {
                        if (eachBack) {
                            v.transmitEachBack();
                        } else {
                            for (int i = 0; i < batch.count(); i++) {
                                v.transmit(i, 1 - v.receivedOn(i));
                            }
                        }
                    }).ownership(rig.ownership).start();
            rig.run(50_000, 512, 64, (wire, b, i) ->
                    assertThat(b.packet(i).getInt(MemoryRig.SENT_ON)).isEqualTo(eachBack ? wire : 1 - wire));
            p.close();
            assertThat(p.total(WorkerCounters.HANDED_OFF)).as("flows were spread").isPositive();
            assertThat(p.total(WorkerCounters.TX)).isEqualTo(50_000);
            rig.assertAllFramesBack();
        }
    }

    /**
     * Close while the wire keeps sending as fast as it can (rings overflow, ports drop and count):
     * every packet is accounted for and every frame comes back.
     */
    @Test
    void gracefulShutdownUnderTrafficReturnsEveryFrame() throws Exception {
        try (MemoryRig rig = new MemoryRig(2, 4096, 256)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).hashing(Toeplitz.symmetric())
                    .handler(() -> new StampingHandler(Verdicts.NEXT_STAGE, 0))
                    .stage(() -> new StampingHandler(StampingHandler.BACK, 8), 1)
                    .ringSize(256).ownership(rig.ownership).start();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread wire = Thread.ofPlatform().start(() -> {
                try {
                    int w = 0;
                    while (!stop.get()) {
                        rig.send(w, 64, 0, 32, false);
                        w ^= 1;
                        rig.receiveAll(null);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            Await.until(() -> p.total(WorkerCounters.PROCESSED) > 0, WAIT, "the pipeline to process traffic");
            p.close(); // under traffic
            assertThat(p.framesHeld()).isZero();
            stop.set(true);
            wire.join();
            assertThat(failure.get()).isNull();
            while (rig.receiveAll(null) > 0) {
                // what the pipeline sent before it stopped
            }
            long notReceived = 0;
            for (var pair : rig.pairs) {
                notReceived += pair.b().pendingReceive();
            }
            long pipelineDrops = p.total(WorkerCounters.DROPPED) + p.total(WorkerCounters.LINK_FULL)
                    + p.total(WorkerCounters.NO_NEXT_STAGE) + p.total(WorkerCounters.BAD_PORT);
            long portDrops = rig.txRingFull(); // wire->pipeline rings full, and pipeline->wire rings full
            long wireAccepted = rig.sent;      // transmit's return: what entered a ring
            long pipelineRefused = p.total(WorkerCounters.TX_REFUSED);
            assertThat(wireAccepted).isEqualTo(rig.received + notReceived + pipelineDrops + pipelineRefused);
            assertThat(portDrops).isGreaterThanOrEqualTo(pipelineRefused);
            rig.assertAllFramesBack();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spin", "yield", "backoff", "sleep", "noop"})
    void idleStrategiesSelectableByName(String name) {
        try (MemoryRig rig = new MemoryRig(1, 1024, 512)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).idle(name)
                    .handler(() -> new StampingHandler(StampingHandler.BACK, 0)).ownership(rig.ownership).start();
            rig.run(5_000, 256, 4, null);
            p.close();
            assertThat(rig.received).isEqualTo(5_000);
            rig.assertAllFramesBack();
        }
        assertThat(IdleStrategies.byName("spin").get()).isInstanceOf(BusySpinIdleStrategy.class);
        assertThat(IdleStrategies.byName("yield").get()).isInstanceOf(YieldingIdleStrategy.class);
        assertThat(IdleStrategies.byName("backoff").get()).isInstanceOf(BackoffIdleStrategy.class);
    }

    @Test
    void unknownIdleStrategyAndBadShapesFailAtSetup() {
        assertThatThrownBy(() -> IdleStrategies.byName("nap")).hasMessageContaining("spin, yield, backoff");
        try (MemoryRig rig = new MemoryRig(1, 1024, 512)) {
            assertThatThrownBy(() -> Pipeline.builder().ports(rig.pipelinePorts()).workers(2)
                    .handler(() -> (b, v) -> { }).start())
                    .hasMessageContaining("hashing(Toeplitz.symmetric())");
            assertThatThrownBy(() -> Pipeline.builder().ports(rig.pipelinePorts()).start())
                    .hasMessageContaining("handler(...)");
        }
    }

    /** Each worker pins its own thread: the kernel's view of its affinity and of where it ran. */
    @Test
    void workersArePinnedToTheirCpus() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        int[] wanted = cpus >= 2 ? new int[] {1, 0} : new int[] {0, 0};
        try (MemoryRig rig = new MemoryRig(2, 2048, 512)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).cpus(wanted)
                    .handler(() -> (b, v) -> v.transmitEachBack()).start();
            AtomicIntegerArray ranOn = new AtomicIntegerArray(2);
            AtomicReference<String> allowed0 = new AtomicReference<>();
            CommandReceipt r = p.broadcast(w -> {
                try {
                    String stat = Files.readString(Path.of("/proc/thread-self/stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ranOn.set(w.workerId(), Integer.parseInt(f[39 - 3])); // field 39: CPU last run on
                    if (w.workerId() == 0) {
                        allowed0.set(cpusAllowed(Path.of("/proc/thread-self/status")));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(r.await(Duration.ofSeconds(5))).isTrue();
            for (int w = 0; w < 2; w++) {
                assertThat(ranOn.get(w)).isEqualTo(wanted[w]);
                String status = "/proc/self/task/" + p.threadIdOf(w) + "/status";
                assertThat(cpusAllowed(Path.of(status))).isEqualTo(Integer.toString(wanted[w]));
            }
            assertThat(allowed0.get()).isEqualTo(Integer.toString(wanted[0]));
            p.close();
        }
    }

    private static String cpusAllowed(Path status) throws Exception {
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
    }

    @Test
    void pinningToAMissingCpuFailsStartLoudly() {
        try (MemoryRig rig = new MemoryRig(1, 1024, 512)) {
            assertThatThrownBy(() -> Pipeline.builder().ports(rig.pipelinePorts()).cpus(1000)
                    .handler(() -> (b, v) -> { }).start())
                    .hasMessageContaining("could not start on CPU 1000")
                    .hasMessageContaining("sched_setaffinity");
            rig.assertAllFramesBack();
        }
    }

    /** A table handler: reads the published table once per burst and stamps its version. */
    static final class TableHandler implements PacketHandler {
        record Table(int version) {
        }

        final Published<Table> table;
        final AtomicIntegerArray seen;
        final int index;
        volatile int commandVersion;

        TableHandler(Published<Table> table, AtomicIntegerArray seen, int index) {
            this.table = table;
            this.seen = seen;
            this.index = index;
        }

        @Override
        public void onBurst(PacketBatch batch, Verdicts verdicts) {
            Table t = table.getAcquire(); // burst boundary: one version for the whole burst
            seen.set(index, t.version());
            verdicts.transmitEachBack();
        }
    }

    /**
     * A table swap is one release store; every worker sees the new table at its next burst. Commands
     * reach workers through their queues without blocking the sender, even when a worker is stuck.
     */
    @Test
    void tableSwapsAndCommandsReachEveryWorkerWithoutBlocking() throws Exception {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Published<TableHandler.Table> table = new Published<>(new TableHandler.Table(1));
            AtomicIntegerArray seen = new AtomicIntegerArray(2);
            int[] next = {0};
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2)
                    .handler(() -> new TableHandler(table, seen, next[0]++)).ownership(rig.ownership).start();
            AtomicBoolean stop = new AtomicBoolean();
            Thread wire = Thread.ofPlatform().start(() -> {
                int w = 0;
                while (!stop.get()) {
                    if (rig.sent - rig.received < 256) {
                        rig.send(w, 16, 0, 8, false);
                        w ^= 1;
                    }
                    rig.receiveAll(null);
                    Thread.yield();
                }
            });
            awaitVersion(seen, 1);
            table.publishRelease(new TableHandler.Table(2));
            awaitVersion(seen, 2);

            // Worker 0 is stuck in a long command until unblocked below: a broadcast that waited for
            // the workers would never return, so its returning at all shows it does not block.
            CountDownLatch unblock = new CountDownLatch(1);
            p.send(0, w -> {
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CommandReceipt swap = assertTimeoutPreemptively(WAIT,
                    () -> p.broadcast(w -> ((TableHandler) w.handler()).commandVersion = 3), "broadcast waited for a stuck worker");
            Await.until(() -> swap.remaining() <= 1, WAIT, () -> "worker 1 to apply the broadcast; remaining " + swap.remaining());
            assertThat(swap.remaining()).isEqualTo(1);
            assertThat(swap.isDone()).isFalse();
            unblock.countDown();
            assertThat(swap.await(Duration.ofSeconds(5))).isTrue();
            assertThat(p.total(WorkerCounters.COMMANDS)).isGreaterThanOrEqualTo(3);

            // pause/resume: no packet is received from the ports while paused
            assertThat(p.pause().await(Duration.ofSeconds(5))).isTrue();
            long rx = p.total(WorkerCounters.RX);
            // The wire keeps sending: once packets wait at the paused pipeline's ports, none was taken.
            Await.until(() -> rig.pipelinePorts().stream().mapToInt(port -> ((MemoryPort) port).pendingReceive()).sum() > 0,
                    WAIT, "packets waiting at the paused pipeline's ports");
            assertThat(p.total(WorkerCounters.RX)).isEqualTo(rx);
            assertThat(p.resume().await(Duration.ofSeconds(5))).isTrue();
            Await.until(() -> p.total(WorkerCounters.RX) > rx, WAIT, "the resumed pipeline to receive");

            stop.set(true);
            wire.join();
            // Let the running pipeline bring back what is still on the wire before closing it:
            // close() stops receiving first, so packets still in the ports' rings would stay there.
            Await.holdsWithin(() -> {
                rig.receiveAll(null);
                return rig.received >= rig.sent;
            }, WAIT);
            p.close();
            while (rig.receiveAll(null) > 0) {
                // drain what the pipeline sent last
            }
            assertThat(rig.received).isEqualTo(rig.sent);
            assertThat(rig.portCounter(PortCounters.TX_RING_FULL)).isZero();
            rig.assertAllFramesBack();
        }
    }

    private static void awaitVersion(AtomicIntegerArray seen, int version) {
        Await.until(() -> seen.get(0) == version && seen.get(1) == version, WAIT,
                () -> "both workers to see table version " + version + "; they see " + seen);
    }
}
