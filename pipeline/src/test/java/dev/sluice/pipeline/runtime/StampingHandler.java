package dev.sluice.pipeline.runtime;

import dev.sluice.umem.PacketBatch;

import java.util.concurrent.atomic.AtomicInteger;

/** Test handler: stamps its identity into the packet, then routes (back out, to a port, or onward). */
final class StampingHandler implements PacketHandler {
    static final int BACK = -100;
    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.getAndIncrement();
    private final int verdict;
    private final int stampShift;

    /** @param verdict BACK (out the port it came in on), a port index, Verdicts.NEXT_STAGE or Verdicts.DROP */
    StampingHandler(int verdict, int stampShift) {
        this.verdict = verdict;
        this.stampShift = stampShift;
    }

    @Override
    public void onBurst(PacketBatch batch, Verdicts verdicts) {
        int n = batch.count();
        for (int i = 0; i < n; i++) {
            var p = batch.packet(i);
            int old = p.getInt(MemoryRig.STAMP);
            int mine = (id & 0xff) << stampShift;
            p.setInt(MemoryRig.STAMP, (old == -1 ? 0 : old) | mine | (1 << (24 + stampShift / 8)));
        }
        if (verdict == BACK) {
            verdicts.transmitEachBack();
        } else {
            for (int i = 0; i < n; i++) {
                verdicts.set(i, verdict);
            }
        }
    }
}
