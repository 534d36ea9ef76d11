package dev.sluice.pipeline.runtime;

import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.umem.FrameOwnership;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pipelines over memory ports conserve every packet and every frame: what the wire sent comes back
 * (nothing can overflow: the wire keeps a window smaller than every ring), no drop is counted, the
 * pipeline holds no frame after close, every frame is back in the pool and no hand-over came from
 * the wrong owner.
 */
class PipelineConservationTest {
    private static final long PACKETS = 100_000;
    private static final int WINDOW = 512;

    private static void assertNoDrops(Pipeline p) {
        for (int c : new int[] {WorkerCounters.DROPPED, WorkerCounters.LINK_FULL, WorkerCounters.NO_NEXT_STAGE,
                WorkerCounters.BAD_PORT, WorkerCounters.ERRORS, WorkerCounters.TX_REFUSED}) {
            assertThat(p.total(c)).as(WorkerCounters.name(c)).isZero();
        }
        assertThat(p.errors()).as("agent errors: %s", p.firstError()).isZero();
    }

    @Test
    void oneWorkerRunToCompletion() {
        try (MemoryRig rig = new MemoryRig(1, 2048, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(1)
                    .handler(() -> new StampingHandler(StampingHandler.BACK, 0)).ownership(rig.ownership).start();
            rig.run(PACKETS, WINDOW, 16, null);
            p.close();
            assertThat(rig.received).isEqualTo(rig.sent).isEqualTo(PACKETS);
            assertThat(p.total(WorkerCounters.RX)).isEqualTo(PACKETS);
            assertThat(p.total(WorkerCounters.TX)).isEqualTo(PACKETS);
            assertNoDrops(p);
            assertThat(p.framesHeld()).isZero();
            assertThat(rig.txRingFull()).isZero();
            rig.assertAllFramesBack();
        }
    }

    @Test
    void twoWorkersRunToCompletionOneQueueEach() {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2)
                    .handler(() -> new StampingHandler(StampingHandler.BACK, 0)).ownership(rig.ownership).start();
            rig.run(PACKETS, WINDOW, 16, (wire, b, i) ->
                    assertThat(b.packet(i).getInt(MemoryRig.SENT_ON)).isEqualTo(wire));
            p.close();
            assertThat(rig.received).isEqualTo(PACKETS);
            assertThat(p.counters(0).get(WorkerCounters.RX)).isPositive();
            assertThat(p.counters(1).get(WorkerCounters.RX)).isPositive();
            assertThat(p.total(WorkerCounters.EGRESS_OUT)).isZero();
            assertNoDrops(p);
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /** One queue spread over two workers by flow hash: every flow stays on one worker, both work. */
    @Test
    void twoWorkersOneQueueSpreadByToeplitz() {
        try (MemoryRig rig = new MemoryRig(1, 2048, 1024)) {
            CopyOnWriteArrayList<StampingHandler> handlers = new CopyOnWriteArrayList<>();
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).hashing(Toeplitz.symmetric())
                    .handler(() -> add(handlers, new StampingHandler(StampingHandler.BACK, 0)))
                    .ownership(rig.ownership).start();
            Map<Integer, Set<Integer>> workersOfFlow = new HashMap<>();
            rig.run(PACKETS, WINDOW, 64, (wire, b, i) -> workersOfFlow
                    .computeIfAbsent(b.packet(i).getInt(26) & 0xffff, k -> new HashSet<>())
                    .add(b.packet(i).getInt(MemoryRig.STAMP) & 0xff));
            p.close();
            assertThat(rig.received).isEqualTo(PACKETS);
            assertThat(workersOfFlow).hasSize(64);
            assertThat(workersOfFlow.values()).allSatisfy(s -> assertThat(s).hasSize(1));
            assertThat(p.counters(0).get(WorkerCounters.PROCESSED)).isPositive();
            assertThat(p.counters(1).get(WorkerCounters.PROCESSED)).isPositive();
            // worker 1 owns no port: it received everything through the dispatch link and sent it back through egress
            assertThat(p.counters(1).get(WorkerCounters.LINK_IN)).isEqualTo(p.counters(1).get(WorkerCounters.PROCESSED));
            assertThat(p.counters(1).get(WorkerCounters.EGRESS_OUT)).isEqualTo(p.counters(1).get(WorkerCounters.PROCESSED));
            assertNoDrops(p);
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /** Both directions of each flow (sent on two ports) land on the same worker with the symmetric key. */
    @Test
    void symmetricHashingKeepsBothDirectionsOnOneWorker() {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).hashing(Toeplitz.symmetric())
                    .handler(() -> new StampingHandler(StampingHandler.BACK, 0)).ownership(rig.ownership).start();
            Map<Integer, Set<Integer>> workersOfFlow = new HashMap<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            int flows = 50;
            long total = 20_000;
            while (rig.received < total) {
                if (rig.sent < total && rig.sent - rig.received < WINDOW) {
                    rig.send(0, 32, 0, flows, false); // client -> server on wire 0
                    rig.send(1, 32, 0, flows, true);  // server -> client on wire 1
                }
                rig.receiveAll((wire, b, i) -> {
                    var pk = b.packet(i);
                    int flow = (wire == 0 ? pk.getInt(26) : pk.getInt(30)) & 0xffff;
                    workersOfFlow.computeIfAbsent(flow, k -> new HashSet<>()).add(pk.getInt(MemoryRig.STAMP) & 0xff);
                });
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
            p.close();
            while (rig.receiveAll(null) > 0) {
                // the last packets the pipeline sent while closing
            }
            assertThat(workersOfFlow).hasSize(flows);
            assertThat(workersOfFlow.values()).allSatisfy(s -> assertThat(s).hasSize(1));
            assertThat(workersOfFlow.values().stream().flatMap(Set::stream).distinct().count()).isEqualTo(2);
            assertNoDrops(p);
            assertThat(rig.received).isEqualTo(rig.sent);
            rig.assertAllFramesBack();
        }
    }

    /** Two stages joined by an SPSC ring: stage 0 stamps and hands on, stage 1 stamps and sends back. */
    @Test
    void stagedOneWorkerPerStage() {
        try (MemoryRig rig = new MemoryRig(1, 2048, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(1)
                    .handler(() -> new StampingHandler(Verdicts.NEXT_STAGE, 0))
                    .stage(() -> new StampingHandler(StampingHandler.BACK, 8), 1)
                    .ownership(rig.ownership).start();
            rig.run(PACKETS, WINDOW, 16, (wire, b, i) ->
                    assertThat(b.packet(i).getInt(MemoryRig.STAMP) >>> 24).as("both stages ran").isEqualTo(3));
            p.close();
            assertThat(rig.received).isEqualTo(PACKETS);
            assertThat(p.counters(0).get(WorkerCounters.HANDED_OFF)).isEqualTo(PACKETS);
            assertThat(p.counters(1).get(WorkerCounters.LINK_IN)).isEqualTo(PACKETS);
            assertThat(p.counters(1).get(WorkerCounters.EGRESS_OUT)).isEqualTo(PACKETS);
            assertThat(p.counters(0).get(WorkerCounters.TX)).isEqualTo(PACKETS);
            assertNoDrops(p);
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /** Two stages of two workers each, hand-offs by flow hash, two ports. */
    @Test
    void stagedTwoByTwoWithHashing() {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).hashing(Toeplitz.symmetric())
                    .handler(() -> new StampingHandler(Verdicts.NEXT_STAGE, 0))
                    .stage(() -> new StampingHandler(StampingHandler.BACK, 8), 2)
                    .ownership(rig.ownership).start();
            rig.run(PACKETS, WINDOW, 64, (wire, b, i) ->
                    assertThat(b.packet(i).getInt(MemoryRig.STAMP) >>> 24).isEqualTo(3));
            p.close();
            assertThat(rig.received).isEqualTo(PACKETS);
            assertThat(p.counters(2).get(WorkerCounters.PROCESSED)).isPositive();
            assertThat(p.counters(3).get(WorkerCounters.PROCESSED)).isPositive();
            assertNoDrops(p);
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /** Handlers that drop, misroute or throw lose no frame: everything is counted and given back. */
    @Test
    void dropsBadPortsAndHandlerExceptionsGiveFramesBack() {
        try (MemoryRig rig = new MemoryRig(1, 2048, 1024)) {
            int[] calls = new int[1];
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(1)
                    .handler(() -> (batch, verdicts) -> {
                        if (calls[0]++ % 3 == 2) {
                            throw new IllegalStateException("handler bug");
                        }
                        for (int i = 0; i < batch.count(); i++) {
                            verdicts.set(i, i % 3 == 0 ? Verdicts.DROP : i % 3 == 1 ? 7 : Verdicts.NEXT_STAGE);
                        }
                    }).ownership(rig.ownership).start();
            long total = 20_000;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (p.total(WorkerCounters.PROCESSED) < total) {
                if (rig.sent < total && rig.sent - p.total(WorkerCounters.PROCESSED) < WINDOW) {
                    rig.send(0, (int) Math.min(64, total - rig.sent), 0, 4, false);
                }
                rig.receiveAll(null);
                assertThat(System.nanoTime()).as("timed out: sent %d, %s", rig.sent, p.counters(0)).isLessThan(deadline);
            }
            p.close();
            long dropped = p.total(WorkerCounters.DROPPED) + p.total(WorkerCounters.BAD_PORT) + p.total(WorkerCounters.NO_NEXT_STAGE);
            assertThat(dropped).isEqualTo(total);
            assertThat(p.total(WorkerCounters.BAD_PORT)).isPositive();
            assertThat(p.total(WorkerCounters.NO_NEXT_STAGE)).isPositive();
            assertThat(p.total(WorkerCounters.ERRORS)).isPositive();
            assertThat(p.lastHandlerError(0)).hasMessage("handler bug");
            assertThat(rig.received).isZero();
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
            assertThat(rig.ownership.count(FrameOwnership.POOL)).isEqualTo(2048);
        }
    }

    private static <T> T add(CopyOnWriteArrayList<? super T> list, T t) {
        list.add(t);
        return t;
    }
}
