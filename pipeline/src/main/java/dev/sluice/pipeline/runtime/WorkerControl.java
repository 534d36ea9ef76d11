package dev.sluice.pipeline.runtime;

/** What a {@link Command} may see and do on the worker that runs it. */
public interface WorkerControl {
    /** Index of the worker in the pipeline (stage 0 workers first). */
    int workerId();

    int stage();

    /** Index of the worker within its stage. */
    int indexInStage();

    /** This worker's handler (cast to the application's type to swap its tables). */
    PacketHandler handler();

    /** Stops taking packets from this worker's ports (packets already inside keep flowing). */
    void pauseReceiving();

    void resumeReceiving();

    boolean receiving();
}
