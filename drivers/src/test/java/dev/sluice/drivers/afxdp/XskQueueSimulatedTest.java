package dev.sluice.drivers.afxdp;

import dev.sluice.drivers.PortCounters;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data path of {@link XskQueue} against a kernel played in memory: frames are conserved and
 * every hand-over comes from the right owner, whatever mix of receive, release, transmit and
 * allocate happens.
 */
class XskQueueSimulatedTest {
    private static final byte[] FRAME = new byte[60];

    @Test
    void receiveAndReleaseConservesFrames() {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 2048, 512, FRAME, true, true)) {
            XskQueue q = sim.queue();
            PacketBatch b = q.newBatch(64);
            long received = 0;
            for (int i = 0; i < 10_000; i++) {
                sim.step(37);
                received += q.receive(b);
                q.release(b);
            }
            assertThat(received).isEqualTo(sim.delivered()).isPositive();
            assertThat(q.counters().get(PortCounters.RX_PACKETS)).isEqualTo(received);
            FrameCounts c = q.frameCounts();
            assertThat(c.total()).isEqualTo(4096);
            assertThat(c.app()).isZero();
        }
    }

    @Test
    void randomMixOfOperationsNeverLosesOrDoublesAFrame() {
        Random rnd = new Random(42);
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults().withFrameCount(1024), 256, 200, FRAME, true, true)) {
            XskQueue q = sim.queue();
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
                assertThat(q.frameCounts().total()).isEqualTo(1024);
            }
            q.transmit(b);
            sim.completeTx();
            q.transmit(b); // reclaims completions
            FrameCounts c = q.frameCounts();
            assertThat(c.app()).isZero();
            assertThat(c.tx()).isZero();
            assertThat(c.total()).isEqualTo(1024);
        }
    }

    @Test
    void fullTxRingDropsAndCountsInsteadOfBlocking() {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 64, 32, FRAME, true, true)) {
            XskQueue q = sim.queue();
            PacketBatch b = q.newBatch(128);
            assertThat(q.allocate(b, 100, 60)).isEqualTo(100);
            int sent = q.transmit(b); // nobody completes: 64 fit, 36 dropped
            assertThat(sent).isEqualTo(64);
            assertThat(q.counters().get(PortCounters.TX_RING_FULL)).isEqualTo(36);
            assertThat(b.count()).isZero();
            sim.completeTx();
            q.drainTx(100);
            assertThat(q.frameCounts().tx()).isZero();
            assertThat(q.frameCounts().total()).isEqualTo(4096);
        }
    }
}
