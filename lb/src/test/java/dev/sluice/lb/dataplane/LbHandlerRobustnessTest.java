package dev.sluice.lb.dataplane;

import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.testing.RandomFrames;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever arrives, the handler throws nothing, gives every frame a verdict (drop, or back out its
 * port), keeps the frame inside its UMEM frame, and counts every packet exactly once; and it
 * allocates nothing per packet.
 */
class LbHandlerRobustnessTest {

    /** Random frames, and the fixtures' frames mutated: bytes flipped, cut short, lengths and flags scrambled. */
    static List<byte[]> frames(int count, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>(RandomFrames.frames(count / 2, seed));
        List<LbHandlerFixtureTest.Case> cases = LbHandlerFixtureTest.cases();
        while (out.size() < count) {
            byte[] f = cases.get(r.nextInt(cases.size())).in().clone();
            switch (r.nextInt(4)) {
                case 0 -> { // flip a few bytes after the MACs
                    for (int k = 1 + r.nextInt(4); k > 0 && f.length > 12; k--) {
                        f[12 + r.nextInt(f.length - 12)] ^= (byte) (1 + r.nextInt(255));
                    }
                }
                case 1 -> f = java.util.Arrays.copyOf(f, r.nextInt(f.length + 1)); // cut short
                case 2 -> { // scramble a header byte in the first 80
                    int at = 14 + r.nextInt(Math.max(1, Math.min(66, f.length - 14)));
                    if (at < f.length) {
                        f[at] = (byte) r.nextInt(256);
                    }
                }
                default -> { // longer: trailing garbage
                    byte[] g = java.util.Arrays.copyOf(f, Math.min(1514, f.length + r.nextInt(64)));
                    for (int i = f.length; i < g.length; i++) {
                        g[i] = (byte) r.nextInt(256);
                    }
                    f = g;
                }
            }
            out.add(f);
        }
        return out;
    }

    @Test
    void thousandsOfRandomAndMutatedFramesAllGetAVerdictAndAreCountedOnce() {
        List<byte[]> frames = frames(6000, 11);
        Random r = new Random(3);
        try (LbRig rig = new LbRig(LbRig.tables(LbHandlerFixtureTest.CONFIG))) {
            int sent = 0;
            int back = 0;
            for (int from = 0; from < frames.size(); ) {
                int n = Math.min(1 + r.nextInt(LbRig.SLOTS), frames.size() - from);
                int port = r.nextInt(4);
                List<LbRig.Out> out = rig.burst(port, frames.subList(from, from + n));
                assertThat(out).hasSize(n);
                for (LbRig.Out o : out) {
                    assertThat(o.verdict()).isIn(Verdicts.DROP, port);
                    if (o.verdict() == port) {
                        back++;
                    }
                }
                sent += n;
                from += n;
                rig.now += 1_000_000;
            }
            LbCounters k = rig.counters;
            long answered = k.get(LbCounters.FORWARDED) + k.get(LbCounters.ICMP_ECHO) + k.get(LbCounters.FRAG_NEEDED_SENT);
            assertThat(answered).isEqualTo(back);
            assertThat(answered + k.get(LbCounters.DROPPED)).as("%s", k).isEqualTo(sent);
            long reasons = 0;
            for (int i = LbCounters.DROP_NOT_IP; i < LbCounters.COUNT; i++) {
                reasons += k.get(i);
            }
            assertThat(reasons).as("each drop has one reason").isEqualTo(k.get(LbCounters.DROPPED));
            assertThat(back).as("mutations keep some frames valid").isGreaterThan(100);
        }
    }

    @Test
    void allocatesNothingPerPacket() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<byte[]> frames = new ArrayList<>();
        for (LbHandlerFixtureTest.Case c : LbHandlerFixtureTest.cases()) {
            frames.add(c.in());
        }
        try (LbRig rig = new LbRig(LbRig.tables(LbHandlerFixtureTest.CONFIG))) {
            int n = frames.size();
            Verdicts v = Verdicts.forBurst(new int[n]);
            for (int round = 0; round < 3000; round++) {
                run(rig, frames, v); // warm up: the JIT compiles the handler
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            int rounds = 2000;
            for (int round = 0; round < rounds; round++) {
                run(rig, frames, v);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated over %d packets", (long) rounds * n).isLessThan(4096);
        }
    }

    /** Loads the frames afresh (encapsulation moved their starts) and runs one burst, without allocating. */
    private static void run(LbRig rig, List<byte[]> frames, Verdicts v) {
        rig.batch.clear();
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            long at = (long) i * LbRig.FRAME + LbRig.HEADROOM;
            java.lang.foreign.MemorySegment.copy(f, 0, rig.umem, java.lang.foreign.ValueLayout.JAVA_BYTE, at, f.length);
            rig.batch.add(at, f.length);
        }
        rig.handler.onBurst(rig.batch, v);
        rig.now += 1000;
    }
}
