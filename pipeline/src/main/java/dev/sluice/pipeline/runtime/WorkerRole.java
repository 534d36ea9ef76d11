package dev.sluice.pipeline.runtime;

/**
 * Where a worker sits in a pipeline.
 *
 * @param id           index in the pipeline, stage-0 workers first
 * @param stage        its stage
 * @param indexInStage index among its stage's workers
 * @param cpu          the CPU its thread is pinned to, or -1
 */
record WorkerRole(int id, int stage, int indexInStage, int cpu) {
    String threadName() {
        return "sluice-worker-" + id + (stage > 0 ? "-stage" + stage : "");
    }
}
