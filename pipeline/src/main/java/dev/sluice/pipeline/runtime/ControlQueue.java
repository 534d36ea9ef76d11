package dev.sluice.pipeline.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The commands waiting for one worker: many control threads offer, the worker polls at burst
 * boundaries. A {@link ConcurrentLinkedQueue} (lock-free, in the JDK, no JVM flags): offering allocates
 * a node, which is fine on the control plane; polling an empty queue, which is what the worker does
 * almost always, is one read of the head and allocates nothing. Agrona's array queues would need
 * {@code --add-opens}, and JCTools would be a dependency for a queue that is nearly always empty.
 */
final class ControlQueue {
    /** Commands a worker runs at one burst boundary at most, so control never starves the data path. */
    static final int MAX_PER_BOUNDARY = 16;

    record Envelope(Command command, CommandReceipt receipt) {
    }

    private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();

    void offer(Command command, CommandReceipt receipt) {
        queue.offer(new Envelope(command, receipt));
    }

    /**
     * Runs up to {@link #MAX_PER_BOUNDARY} commands on {@code worker}; returns how many. After each,
     * and before its receipt says so, {@code applied} runs on the worker's thread (the worker counts
     * the command and publishes its counters: who waited on the receipt reads them up to date).
     */
    int drain(WorkerControl worker, Runnable applied) {
        int n = 0;
        Envelope e;
        while (n < MAX_PER_BOUNDARY && (e = queue.poll()) != null) {
            try {
                e.command().apply(worker);
            } finally {
                applied.run();
                e.receipt().applied();
            }
            n++;
        }
        return n;
    }
}
