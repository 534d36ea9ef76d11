package dev.sluice.pipeline.runtime;

/**
 * A control-plane action run by a worker on its own thread at a burst boundary (between two duty
 * cycles), so it may touch the worker's handler and state without synchronisation. Keep it short:
 * the worker runs it instead of moving packets.
 */
@FunctionalInterface
public interface Command {
    void apply(WorkerControl worker);
}
