package dev.sluice.pipeline.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A pipeline without threads ({@link Pipeline.Builder#startInvoked()}): the caller's thread runs every
 * duty cycle through {@link Pipeline#invoke()}, so each step here is deterministic.
 */
class InvokedPipelineTest {

    private static Pipeline.Builder forwardBack(MemoryRig rig) {
        return Pipeline.builder().ports(rig.pipelinePorts()).errorLog(m -> { })
                .handler(() -> (b, v) -> v.transmitEachBack());
    }

    @Test
    void theCallersThreadForwardsEveryPacketAndCloseLeavesNoFrameBehind() {
        try (MemoryRig rig = new MemoryRig(2, 1024, 256)) {
            Pipeline p = forwardBack(rig).workers(2).startInvoked();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (rig.received < 10_000) {
                if (rig.sent - rig.received < 128) {
                    rig.send((int) (rig.sent / 64) % 2, 64, 0, 16, false);
                }
                p.invoke();
                rig.receiveAll(null);
                assertThat(System.nanoTime()).as("sent %d received %d", rig.sent, rig.received).isLessThan(deadline);
            }
            p.close();
            assertThat(p.total(WorkerCounters.RX)).isEqualTo(rig.sent);
            assertThat(p.total(WorkerCounters.TX)).isEqualTo(rig.sent);
            assertThat(rig.receivedOn).as("each port's packets came back on it").containsExactly(5_056, 4_992);
            assertThat(p.threadIdOf(0)).as("no thread of its own").isZero();
            assertThat(p.errors()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /** Counts are published when a busy run ends: the first idle cycle after traffic shows them all. */
    @Test
    void countsAreExactOnceABusyRunEnds() {
        try (MemoryRig rig = new MemoryRig(1, 1024, 256)) {
            Pipeline p = forwardBack(rig).startInvoked();
            rig.send(0, 40, 0, 4, false);
            assertThat(p.invoke()).as("a busy cycle").isEqualTo(40);
            assertThat(p.invoke()).as("an idle cycle").isZero();
            WorkerCounters c = p.counters(0);
            assertThat(c.get(WorkerCounters.RX)).isEqualTo(40);
            assertThat(c.get(WorkerCounters.PROCESSED)).isEqualTo(40);
            assertThat(c.get(WorkerCounters.TX)).isEqualTo(40);
            assertThat(c.get(WorkerCounters.BURSTS)).isEqualTo(1);
            assertThat(c.get(WorkerCounters.BUSY_POLLS)).isEqualTo(1);
            assertThat(c.get(WorkerCounters.IDLE_POLLS)).isEqualTo(1);
            assertThat(c.get(WorkerCounters.BUSY_NS)).isPositive();
            p.close();
            rig.receiveAll(null);
            rig.assertAllFramesBack();
        }
    }

    /** Commands run at the next invoke; by the time their receipt says so, the counters include them. */
    @Test
    void aCommandRunsAtTheNextInvokeAndItsReceiptSeesPublishedCounters() {
        try (MemoryRig rig = new MemoryRig(1, 1024, 256)) {
            Pipeline p = forwardBack(rig).startInvoked();
            rig.send(0, 64, 0, 4, false);
            p.invoke(); // busy, and the run has not ended: nothing need be published yet
            CommandReceipt paused = p.pause();
            assertThat(paused.isDone()).isFalse();
            rig.send(0, 10, 0, 4, false);
            p.invoke();
            assertThat(paused.isDone()).isTrue();
            WorkerCounters c = p.counters(0);
            assertThat(c.get(WorkerCounters.COMMANDS)).isEqualTo(1);
            assertThat(c.get(WorkerCounters.RX)).as("the burst before the command, not the one after it").isEqualTo(64);
            assertThat(p.invoke()).as("paused: the waiting packets stay in the port").isZero();
            p.resume();
            assertThat(p.invoke()).as("the resume command and the 10 packets").isEqualTo(11);
            p.close();
            assertThat(c.get(WorkerCounters.RX)).isEqualTo(74);
            assertThat(c.get(WorkerCounters.COMMANDS)).isEqualTo(2);
            rig.receiveAll(null);
            rig.assertAllFramesBack();
        }
    }

    /** An exception from a duty cycle does not reach the caller of invoke: it is counted and logged, as on a thread. */
    @Test
    void aFailingDutyCycleIsCountedAndLoggedNotThrown() {
        List<String> log = new CopyOnWriteArrayList<>();
        try (MemoryRig rig = new MemoryRig(1, 1024, 256)) {
            Pipeline p = forwardBack(rig).errorLog(log::add).startInvoked();
            p.send(0, w -> {
                throw new IllegalStateException("bad command");
            });
            p.invoke();
            assertThat(p.errors()).isEqualTo(1);
            assertThat(p.firstError()).hasMessage("bad command");
            p.close();
            assertThat(p.counters(0).get(WorkerCounters.ERRORS)).isEqualTo(1);
            assertThat(log).singleElement().satisfies(m -> assertThat(m).contains("IllegalStateException: bad command"));
        }
    }

    @Test
    void anInvokedPipelineTakesNoCpus() {
        try (MemoryRig rig = new MemoryRig(2, 1024, 256)) {
            assertThatThrownBy(() -> forwardBack(rig).workers(2).cpus(0, 1).startInvoked())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("an invoked pipeline runs on the caller's thread: pin that thread instead of giving cpus(0, 1)");
        }
    }

    /** invoke() on a pipeline whose own threads own the workers, or after close, would run a worker twice: refused. */
    @Test
    void invokeIsRefusedOnAThreadedPipelineAndAfterClose() {
        try (MemoryRig rig = new MemoryRig(1, 1024, 256)) {
            Pipeline threaded = forwardBack(rig).idle("yield").start();
            try {
                assertThatThrownBy(threaded::invoke).isInstanceOf(IllegalStateException.class)
                        .hasMessage("the pipeline runs its own worker threads (built with start()); invoke() is for startInvoked()");
            } finally {
                threaded.close();
            }
            Pipeline invoked = forwardBack(rig).startInvoked();
            invoked.close();
            assertThatThrownBy(invoked::invoke).isInstanceOf(IllegalStateException.class).hasMessage("the pipeline is closed");
            rig.assertAllFramesBack();
        }
    }
}
