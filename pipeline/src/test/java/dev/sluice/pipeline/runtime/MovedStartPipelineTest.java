package dev.sluice.pipeline.runtime;

import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler contract's headroom clause through a staged pipeline over memory ports: the first
 * stage pushes 48 bytes in front of every packet, the second (other workers, reached through the
 * stage links) takes 20 of them off again and sends the packet back. Every packet comes out from
 * its new start with the right bytes, and every frame returns to the pool from the right owner.
 */
class MovedStartPipelineTest {
    private static final long PACKETS = 50_000;
    private static final int PUSHED = 48;
    private static final int TRIMMED = 20;

    @Test
    void packetsPrependedInOneStageAndTrimmedInTheNextComeOutFromTheirNewStart() {
        try (MemoryRig rig = new MemoryRig(2, 4096, 1024)) {
            Pipeline p = Pipeline.builder().ports(rig.pipelinePorts()).workers(2).hashing(Toeplitz.symmetric())
                    .handler(Prepend::new)
                    .stage(Trim::new, 2)
                    .ownership(rig.ownership).start();
            int grown = PUSHED - TRIMMED;
            rig.run(PACKETS, 512, 64, (wire, b, i) -> {
                var pk = b.packet(i);
                assertThat(pk.length()).isEqualTo(MemoryRig.LENGTH + grown);
                for (int k = 0; k < grown; k++) {
                    assertThat(pk.getByte(k)).isEqualTo((TRIMMED + k) ^ 0x5A);
                }
                assertThat(pk.getInt(grown + MemoryRig.SENT_ON)).isEqualTo(wire);
                assertThat(pk.getShort(grown + 12)).as("the original EtherType, shifted").isEqualTo(0x0800);
            });
            p.close();
            assertThat(rig.received).isEqualTo(PACKETS);
            assertThat(p.total(WorkerCounters.ERRORS)).as("handler errors: %s", p.firstError()).isZero();
            assertThat(p.total(WorkerCounters.DROPPED)).isZero();
            assertThat(p.framesHeld()).isZero();
            rig.assertAllFramesBack();
        }
    }

    /** Stage 1: 48 bytes in front (byte k = k ^ 0x5A), on to the next stage. */
    private static final class Prepend implements PacketHandler {
        @Override
        public void onBurst(PacketBatch batch, Verdicts verdicts) {
            for (int i = 0; i < batch.count(); i++) {
                var p = batch.packet(i);
                if (p.prepend(PUSHED)) {
                    for (int k = 0; k < PUSHED; k++) {
                        p.setByte(k, k ^ 0x5A);
                    }
                    verdicts.set(i, Verdicts.NEXT_STAGE);
                } else {
                    verdicts.set(i, Verdicts.DROP);
                }
            }
        }
    }

    /** Stage 2: the first 20 bytes off, back out the port the packet came in on. */
    private static final class Trim implements PacketHandler {
        @Override
        public void onBurst(PacketBatch batch, Verdicts verdicts) {
            for (int i = 0; i < batch.count(); i++) {
                if (!batch.packet(i).trimFront(TRIMMED)) {
                    throw new IllegalStateException("packet " + i + " shorter than " + TRIMMED);
                }
            }
            verdicts.transmitEachBack();
        }
    }
}
