package dev.sluice.lb.forward;

import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import static dev.sluice.lb.forward.RewritesTest.GUE_PORT;
import static dev.sluice.lb.forward.RewritesTest.NEXT_MAC;
import static dev.sluice.lb.forward.RewritesTest.OUTER_DST;
import static dev.sluice.lb.forward.RewritesTest.OUTER_DST6;
import static dev.sluice.lb.forward.RewritesTest.OUTER_SRC;
import static dev.sluice.lb.forward.RewritesTest.OUTER_SRC6;
import static dev.sluice.lb.forward.RewritesTest.OWN_MAC;
import static dev.sluice.lb.forward.RewritesTest.SPORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every rewrite and ICMP message allocates nothing: the JVM's per-thread allocation counter over
 * hundreds of thousands of packets after warm-up (the frames are reloaded from off-heap copies).
 */
class ZeroAllocationTest {
    private static final int FRAMES = 8;

    @Test
    void rewritesAndIcmpMessagesAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[][] inputs = {RewritesTest.tcp4(true), RewritesTest.tcp6WithTwoVlans(), RewritesTest.udp6(), RewritesTest.udp4WithVlan(),
                IcmpRepliesTest.echoRequest4(), IcmpRepliesTest.echoRequest6(), IcmpRepliesTest.bigTcp4(), IcmpRepliesTest.bigUdp6()};
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            MemorySegment templates = umem.segment().asSlice(32L * 2048, FRAMES * 2048L);
            for (int i = 0; i < FRAMES; i++) {
                MemorySegment.copy(MemorySegment.ofArray(inputs[i]), 0, templates, i * 2048L, inputs[i].length);
            }
            int[] lengths = new int[FRAMES];
            for (int i = 0; i < FRAMES; i++) {
                lengths[i] = inputs[i].length;
            }
            Worker w = new Worker(new PacketBatch(umem, FRAMES), templates, lengths);
            w.run(50_000); // warm-up: let C2 compile the loop
            long before = threads.getCurrentThreadAllocatedBytes();
            long done = w.run(200_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(done).as("rewrites that succeeded").isEqualTo(200_000L * FRAMES);
            assertThat(allocated).as("bytes allocated over %d rewrites", 200_000 * FRAMES).isLessThan(1024);
        }
    }

    private record Worker(PacketBatch batch, MemorySegment templates, int[] lengths) {
        long run(int rounds) {
            long done = 0;
            for (int r = 0; r < rounds; r++) {
                batch.clear();
                for (int i = 0; i < FRAMES; i++) {
                    long at = i * 2048L + 256;
                    MemorySegment.copy(templates, i * 2048L, batch.umem(), at, lengths[i]);
                    batch.add(at, lengths[i]);
                }
                Packet p;
                p = batch.packet(0);
                done += Rewrites.ipipOver4(p, 14, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC) ? 1 : 0;
                p = batch.packet(1);
                done += Rewrites.gueOver6(p, 22, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], SPORT, GUE_PORT,
                        OWN_MAC, NEXT_MAC) ? 1 : 0;
                p = batch.packet(2);
                done += Rewrites.ipipOver6(p, 14, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], OWN_MAC, NEXT_MAC) ? 1 : 0;
                p = batch.packet(3);
                done += Rewrites.gueOver4(p, 18, OUTER_SRC, OUTER_DST, SPORT, GUE_PORT, OWN_MAC, NEXT_MAC) ? 1 : 0;
                Rewrites.dsr(batch.nativeAddress(3), OWN_MAC, NEXT_MAC);
                done += IcmpReplies.echoReply(batch.packet(4), 14) ? 1 : 0;
                done += IcmpReplies.echoReply(batch.packet(5), 14) ? 1 : 0;
                done += IcmpReplies.fragmentationNeeded(batch.packet(6), 18, 1480) ? 1 : 0;
                done += IcmpReplies.packetTooBig(batch.packet(7), 14, 1400) ? 1 : 0;
            }
            return done;
        }
    }
}
