package dev.sluice.pipeline.runtime;

import dev.sluice.ring.SpscDescriptorRing;

import java.util.ArrayList;
import java.util.List;

/**
 * The SPSC rings between workers, created at setup: one per ordered pair of workers that talk, per
 * kind. Work links carry packets to process (flow dispatch within stage 0, hand-offs to the next
 * stage); egress links carry transmit and release requests to the worker that owns the port.
 */
final class Links implements AutoCloseable {
    private final int workers;
    private final int[] stageOf;
    private final int[] indexInStage;
    private final int[] stageSize;
    private final SpscDescriptorRing[][] work;   // [from][to]
    private final SpscDescriptorRing[][] egress; // [from][to]
    private final List<SpscDescriptorRing> all = new ArrayList<>();

    /**
     * @param ownsPort  per worker: owns at least one port
     * @param dispatch  stage 0 spreads flows over its workers
     * @param hashNext  hand-offs to the next stage go by flow hash (to every worker of it), else to one
     */
    Links(int[] stageOf, int[] indexInStage, int[] stageSize, boolean[] ownsPort, boolean dispatch, boolean hashNext,
          int ringSize) {
        this.workers = stageOf.length;
        this.stageOf = stageOf;
        this.indexInStage = indexInStage;
        this.stageSize = stageSize;
        this.work = new SpscDescriptorRing[workers][workers];
        this.egress = new SpscDescriptorRing[workers][workers];
        try {
            for (int from = 0; from < workers; from++) {
                for (int to = 0; to < workers; to++) {
                    if (from == to) {
                        continue;
                    }
                    boolean sameStage0 = stageOf[from] == 0 && stageOf[to] == 0;
                    boolean next = stageOf[to] == stageOf[from] + 1
                            && (hashNext || indexInStage[to] == indexInStage[from] % stageSize[stageOf[to]]);
                    if ((dispatch && sameStage0 && ownsPort[from]) || next) {
                        work[from][to] = ring(ringSize);
                    }
                    if (ownsPort[to]) {
                        egress[from][to] = ring(ringSize);
                    }
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private SpscDescriptorRing ring(int size) {
        SpscDescriptorRing r = new SpscDescriptorRing(size);
        all.add(r);
        return r;
    }

    SpscDescriptorRing[] workIn(int to) {
        return incoming(work, to);
    }

    SpscDescriptorRing[] egressIn(int to) {
        return incoming(egress, to);
    }

    private SpscDescriptorRing[] incoming(SpscDescriptorRing[][] kind, int to) {
        List<SpscDescriptorRing> in = new ArrayList<>();
        for (int from = 0; from < workers; from++) {
            if (kind[from][to] != null) {
                in.add(kind[from][to]);
            }
        }
        return in.toArray(new SpscDescriptorRing[0]);
    }

    /** By index within the worker's own stage; null when the worker does not dispatch. */
    SpscDescriptorRing[] dispatchOut(int from) {
        return byIndex(from, stageOf[from], false);
    }

    /** By index within the next stage; null for the last stage. */
    SpscDescriptorRing[] nextOut(int from) {
        int next = stageOf[from] + 1;
        return next < stageSize.length ? byIndex(from, next, true) : null;
    }

    private SpscDescriptorRing[] byIndex(int from, int stage, boolean next) {
        SpscDescriptorRing[] out = new SpscDescriptorRing[stageSize[stage]];
        boolean any = false;
        for (int to = 0; to < workers; to++) {
            if (stageOf[to] == stage && work[from][to] != null && (next || stage == stageOf[from])) {
                out[indexInStage[to]] = work[from][to];
                any = true;
            }
        }
        return any ? out : null;
    }

    /** By worker id; null when this worker has nobody to send egress to. */
    SpscDescriptorRing[] egressOut(int from) {
        boolean any = false;
        for (int to = 0; to < workers; to++) {
            any |= egress[from][to] != null;
        }
        return any ? egress[from].clone() : null;
    }

    /** Descriptors in all rings right now (exact when the workers are stopped). */
    int inFlight() {
        int n = 0;
        for (SpscDescriptorRing r : all) {
            n += r.sizeAcquire();
        }
        return n;
    }

    @Override
    public void close() {
        for (SpscDescriptorRing r : all) {
            r.close();
        }
        all.clear();
    }
}
