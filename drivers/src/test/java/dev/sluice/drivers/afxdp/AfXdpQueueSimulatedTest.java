package dev.sluice.drivers.afxdp;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data path of {@link AfXdpQueue} against a kernel played in memory: frames are conserved and
 * every hand-over comes from the right owner, whatever mix of receive, release, transmit and
 * allocate happens, also when frames cross from one queue to another.
 */
class AfXdpQueueSimulatedTest {
    private static final byte[] FRAME = new byte[60];

    @Test
    void receiveAndReleaseConservesFrames() {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, FRAME, true, true)) {
            AfXdpQueue q = sim.queue();
            PacketBatch b = q.newBatch(64);
            long received = 0;
            for (int i = 0; i < 10_000; i++) {
                sim.step(37);
                received += q.receive(b);
                q.release(b);
            }
            assertThat(received).isEqualTo(sim.delivered()).isPositive();
            assertThat(q.counters().get(PortCounters.RX_PACKETS)).isEqualTo(received);
            FrameCounts c = sim.frameCounts();
            assertThat(c.total()).isEqualTo(4096);
            assertThat(c.app()).isZero();
        }
    }

    /** Several templates come back in turn, each with its own length and bytes, the first after the last. */
    @Test
    void templatesAreDeliveredInTurn() {
        byte[][] templates = {new byte[60], new byte[74], new byte[90]};
        for (int t = 0; t < templates.length; t++) {
            templates[t][0] = (byte) (t + 1);
        }
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 256, 200, java.util.List.of(templates), true)) {
            AfXdpQueue q = sim.queue();
            PacketBatch b = q.newBatch(64);
            int seen = 0;
            for (int round = 0; round < 20; round++) {
                sim.step(7); // not a multiple of the templates: turns continue across steps
                int n = q.receive(b);
                for (int i = 0; i < n; i++, seen++) {
                    byte[] expected = templates[seen % templates.length];
                    assertThat(b.packet(i).toArray()).isEqualTo(expected);
                }
                q.release(b);
            }
            assertThat(seen).isEqualTo(sim.delivered()).isEqualTo(140);
        }
    }

    /**
     * Received packets grown into the kernel's 256 bytes of headroom go out on TX from their new start;
     * the COMPLETION ring returns those addresses, and the queue recycles the frames that hold them.
     */
    @Test
    void packetsPrependedIntoTheHeadroomAreSentFromTheNewStartAndTheirFramesRecycled() {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults().withFrameCount(1024), 256, 200, FRAME, true, true)) {
            AfXdpQueue q = sim.queue();
            PacketBatch b = q.newBatch(64);
            long sent = 0;
            for (int round = 0; round < 200; round++) {
                sim.step(64);
                int n = q.receive(b);
                for (int i = 0; i < n; i++) {
                    assertThat(b.packet(i).headroom()).isEqualTo(UmemConfig.KERNEL_HEADROOM);
                    assertThat(b.packet(i).prepend(48)).isTrue();
                }
                long[] starts = new long[n];
                for (int i = 0; i < n; i++) {
                    starts[i] = b.address(i);
                    assertThat(b.length(i)).isEqualTo(FRAME.length + 48);
                    assertThat(starts[i] % 2048).isEqualTo(256 - 48);
                }
                sent += q.transmit(b);
            }
            sim.completeTx();
            q.transmit(b); // reclaims COMPLETION
            assertThat(sent).isEqualTo(sim.delivered()).isPositive();
            assertThat(sim.invalidTx()).as("descriptors the kernel would refuse").isZero();
            assertThat(sim.completed()).isEqualTo(sent);
            assertThat(q.counters().get(PortCounters.TX_BYTES)).isEqualTo(sent * (FRAME.length + 48));
            FrameCounts c = sim.frameCounts();
            assertThat(c.total()).isEqualTo(1024);
            assertThat(c.app()).isZero();
            assertThat(c.tx()).isZero();
            assertThat(q.ownership().violations()).as(q.ownership().firstViolation()).isZero();
        }
    }

    /** As the kernel does, the simulated kernel refuses a TX descriptor that runs past its chunk's end, and never completes it. */
    @Test
    void aPacketRunningPastItsFramesEndIsRefusedByTheSimulatedKernel() {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults().withFrameCount(1024), 256, 200, FRAME, true, true)) {
            AfXdpQueue q = sim.queue();
            PacketBatch b = q.newBatch(64);
            sim.step(2);
            assertThat(q.receive(b)).isEqualTo(2);
            assertThat(b.packet(0).tailroom()).isEqualTo(2048 - 256 - FRAME.length);
            b.setLength(0, 2048 - 256 + 1); // one byte into the next frame
            assertThat(b.packet(1).prepend(256)).isTrue(); // the whole headroom: valid
            q.transmit(b);
            sim.completeTx();
            assertThat(sim.invalidTx()).isEqualTo(1);
            assertThat(sim.completed()).isEqualTo(1);
        }
    }

    @Test
    void randomMixOfOperationsNeverLosesOrDoublesAFrame() {
        Random rnd = new Random(42);
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults().withFrameCount(1024), 256, 200, FRAME, true, true)) {
            AfXdpQueue q = sim.queue();
            PacketBatch b = q.newBatch(64);
            for (int i = 0; i < 50_000; i++) {
                switch (rnd.nextInt(5)) {
                    case 0 -> sim.deliver(rnd.nextInt(80));
                    case 1 -> sim.completeTx();
                    case 2 -> q.receive(b);
                    case 3 -> q.allocate(b, rnd.nextInt(40), 60);
                    default -> {
                        if (rnd.nextBoolean()) {
                            q.transmit(b);
                        } else {
                            q.release(b);
                        }
                    }
                }
                assertThat(sim.frameCounts().total()).isEqualTo(1024);
            }
            q.transmit(b);
            sim.completeTx();
            q.transmit(b); // reclaims completions
            FrameCounts c = sim.frameCounts();
            assertThat(c.app()).isZero();
            assertThat(c.tx()).isZero();
            assertThat(c.total()).isEqualTo(1024);
        }
    }

    @Test
    void fullTxRingDropsAndCountsInsteadOfBlocking() {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 64, 32, FRAME, true, true)) {
            AfXdpQueue q = sim.queue();
            PacketBatch b = q.newBatch(128);
            assertThat(q.allocate(b, 100, 60)).isEqualTo(100);
            int sent = q.transmit(b); // nobody completes: 64 fit, 36 dropped
            assertThat(sent).isEqualTo(64);
            assertThat(q.counters().get(PortCounters.TX_RING_FULL)).isEqualTo(36);
            assertThat(b.count()).isZero();
            sim.completeTx();
            q.drainTx(100);
            assertThat(sim.frameCounts().tx()).isZero();
            assertThat(sim.frameCounts().total()).isEqualTo(4096);
        }
    }

    /**
     * One-way traffic across queues: everything received on queue 0 is sent on queue 1, for ten
     * times the UMEM's frames. Queue 1's completions must come back to the pool queue 0 refills FILL
     * from; a queue that kept its completions to itself would leave queue 0 starved within one UMEM.
     */
    @Test
    void framesSentOnAnotherQueueComeBackToTheReceivingQueuesFill() {
        int frames = 1024;
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults().withFrameCount(frames), 2, 512, 256, FRAME,
                true, true, CounterAllocator.inMemory())) {
            AfXdpQueue a = sim.queue(0);
            AfXdpQueue b = sim.queue(1);
            PacketBatch batch = a.newBatch(64);
            long moved = 0;
            long rounds = 0;
            while (moved < 10L * frames && rounds++ < 100L * frames) {
                sim.deliver(0, 64);
                int n = a.receive(batch);
                b.transmit(batch);
                moved += n;
                sim.completeTx();
                b.transmit(batch); // an empty burst: reclaims queue 1's completions
                FrameCounts c = sim.frameCounts();
                assertThat(c.total()).as("frames accounted for: " + c).isEqualTo(frames);
            }
            assertThat(moved).as("packets received on queue 0 and sent on queue 1").isGreaterThanOrEqualTo(10L * frames);
            assertThat(a.counters().get(PortCounters.FILL_STARVED)).as("queue 0 found no frame for FILL").isZero();
            assertThat(b.counters().get(PortCounters.TX_PACKETS)).isEqualTo(moved);
            assertThat(a.frameCounts().app()).isEqualTo(moved);       // received here ...
            assertThat(b.frameCounts().app()).isEqualTo(-moved);      // ... sent there
            FrameCounts c = sim.frameCounts();
            assertThat(c.app()).isZero();
            assertThat(c.tx()).isZero();
            assertThat(c.total()).isEqualTo(frames);
            assertThat(sim.ownership().violations()).as(sim.ownership().firstViolation()).isZero();
        }
    }
}
