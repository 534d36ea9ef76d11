package dev.sluice.pipeline.runtime;

import dev.sluice.sys.LibC;
import dev.sluice.umem.FrameDescriptor;
import dev.sluice.umem.PacketBatch;
import org.agrona.concurrent.Agent;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * One pipeline worker: an Agrona {@link Agent} whose duty cycle moves at most one burst through its
 * handler. Share-nothing: it owns its ports (no other thread touches them while it runs), its batch,
 * its handler, and talks to other workers only through SPSC rings of {@link FrameDescriptor}s. Its
 * parts, one job each: {@link OwnedPorts} (receive, transmit, give back), {@link FlowDispatch} (which
 * worker processes a packet; work links), {@link EgressLinks} (transmit and release requests to and
 * from port owners), {@link VerdictApplier} (where each packet goes after the handler).
 *
 * <h2>Duty cycle ({@link #doWork})</h2>
 * <ol>
 *   <li>burst boundary: run pending control commands;</li>
 *   <li>egress in: transmit or release what other workers asked to send on, or give back through,
 *       this worker's ports (always drained, never blocked: it produces nothing for other workers);</li>
 *   <li>unless an egress outbox is still pending (backpressure): receive a burst from the owned ports
 *       (if receiving), spread it by flow hash when dispatching, top it up from incoming work links,
 *       run the handler, apply the verdicts;</li>
 *   <li>flush outboxes: egress requests stay pending when their ring is full (retried next cycle);
 *       work hand-offs whose ring is full are dropped and counted;</li>
 *   <li>transmit the per-port batches, release dropped frames through an owned port.</li>
 * </ol>
 * Everything it counts, its busy and idle duty cycles and its errors included, is in its
 * {@link WorkerCounters} group (in a counters file, {@code sluice stat} shows them); errors are also
 * handed to the pipeline's {@link ErrorLog}.
 */
final class Worker implements Agent, WorkerControl {
    /** Duty cycles between two publications of the counters during a busy run (a power of two). */
    private static final long PUBLISH_EVERY = 1024;

    private final WorkerRole role;
    private final String roleName;
    private final PacketHandler handler;

    private final OwnedPorts ownedPorts;
    private final FlowDispatch dispatch;
    private final EgressLinks egress;
    private final VerdictApplier verdictApplier;
    /** The burst being gathered and processed; exchanged for an empty transmit batch by {@link VerdictApplier#apply}. */
    private PacketBatch batch;
    private final Verdicts verdicts;

    private final WorkerCounters counters;
    private final ErrorLog errorLog;
    private long busyCycles;
    private long idleCycles;
    /**
     * Time in runs of duty cycles that found work: from the start of a run's first cycle to the end
     * of the idle cycle that ends it (or to the latest publication while the run lasts). The clock
     * is read at those points only, not once per busy cycle: a read costs as much as a tenth of a
     * burst's work on a virtual machine.
     */
    private long busyNanos;
    /** When the current busy run started or was last published (valid while {@link #inBusyRun}). */
    private long busySince;
    private boolean inBusyRun;

    private final ControlQueue control = new ControlQueue();
    private final Runnable commandApplied = this::onCommandApplied;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile Throwable startFailure;
    private volatile Throwable lastHandlerError;
    private volatile long pinnedTid;
    private boolean receiving = true;

    /**
     * @param counters its counter group (in a counters file or in memory)
     * @param errorLog where the first error of each kind is logged
     */
    Worker(WorkerRole role, Topology topology, PacketHandler handler, WorkerCounters counters, ErrorLog errorLog) {
        this.role = role;
        this.roleName = role.threadName();
        this.handler = handler;
        this.counters = counters;
        this.errorLog = errorLog;
        this.ownedPorts = new OwnedPorts(topology, role, counters);
        this.dispatch = new FlowDispatch(topology, role, counters);
        this.egress = new EgressLinks(topology, role, counters);
        this.verdictApplier = new VerdictApplier(topology, ownedPorts, egress, dispatch, counters);
        this.batch = OwnedPorts.newBatch(topology);
        this.verdicts = new Verdicts(topology.burst());
    }

    // ------------------------------------------------------------------ agent lifecycle

    @Override
    public void onStart() {
        try {
            if (role.cpu() >= 0) {
                LibC.pinCurrentThread(role.cpu());
            }
            pinnedTid = LibC.gettid();
        } catch (RuntimeException | Error e) {
            startFailure = e;
            throw e;
        } finally {
            started.countDown();
        }
    }

    @Override
    public String roleName() {
        return roleName;
    }

    @Override
    public int doWork() {
        // After an idle cycle a busy run may start with this one: note when, in case it does.
        long start = inBusyRun ? 0 : System.nanoTime();
        int work = control.drain(this, commandApplied);
        work += dutyCycle();
        if (work > 0) {
            busyCycles++;
            if (!inBusyRun) {
                inBusyRun = true;
                busySince = start;
            }
        } else {
            idleCycles++;
            if (inBusyRun) {
                inBusyRun = false;
                busyNanos += System.nanoTime() - busySince;
                publishCounters(); // the run's counts, as soon as it ends
            }
        }
        if (((busyCycles + idleCycles) & (PUBLISH_EVERY - 1)) == 0) {
            publishCounters();
        }
        return work;
    }

    /** What a command's receipt waits for: the command counted, and every counter published. */
    private void onCommandApplied() {
        counters.add(WorkerCounters.COMMANDS, 1);
        publishCounters();
    }

    /**
     * Publishes everything counted so far, the time of a busy run that is still going included. On
     * the worker's thread, or on the thread that owns the worker once its own has stopped.
     */
    void publishCounters() {
        if (inBusyRun) {
            long now = System.nanoTime();
            busyNanos += now - busySince;
            busySince = now;
        }
        counters.publish(busyCycles, idleCycles, busyNanos);
    }

    @Override
    public void onClose() {
        publishCounters();
    }

    /** Called by the agent runner, on this worker's thread, when a duty cycle threw. */
    void onAgentError(Throwable t) {
        counters.add(WorkerCounters.ERRORS, 1);
        errorLog.record(roleName, ErrorLog.Source.AGENT, t);
    }

    /** Everything but control: the final drain on the closing thread runs this too. */
    int dutyCycle() {
        int work = egress.drainInto(ownedPorts);
        if (!egress.pending()) {
            work += gatherAndProcess();
        }
        work += egress.flush();
        work += dispatch.flush(verdictApplier);
        work += egress.flush(); // dropped hand-offs may have become release requests
        ownedPorts.flush();
        return work;
    }

    private int gatherAndProcess() {
        final PacketBatch b = batch;
        final int[] receivedOn = verdicts.receivedOnArray();
        // A worker that owns one port knows where its received packets came from without writing it
        // down per packet: receivedOn is filled only where something reads it (dispatch, or a burst
        // that links add packets of other ports to); a burst of the port's packets alone tells the
        // verdicts its one source instead.
        final int single = ownedPorts.singlePort();
        final boolean dispatches = dispatch.dispatches();
        int got = 0;
        if (receiving && ownedPorts.any()) {
            got += ownedPorts.receive(b, receivedOn);
            if (b.count() > 0 && dispatches) {
                if (single >= 0) {
                    Arrays.fill(receivedOn, 0, b.count(), single);
                }
                dispatch.dispatch(b, receivedOn);
            }
        }
        final int fromOwnedPorts = b.count();
        got += dispatch.poll(b, receivedOn);
        if (b.count() > 0) {
            boolean oneSource = single >= 0 && b.count() == fromOwnedPorts;
            if (single >= 0 && !oneSource && !dispatches) {
                Arrays.fill(receivedOn, 0, fromOwnedPorts, single);
            }
            process(b, oneSource ? single : -1);
        }
        return got;
    }

    /** @param sameSource the port every packet of {@code b} came from, or -1 (see {@link Verdicts#reset}) */
    private void process(PacketBatch b, int sameSource) {
        final int n = b.count();
        final Verdicts v = verdicts;
        v.reset(n, sameSource);
        try {
            handler.onBurst(b, v);
        } catch (Throwable t) {
            onHandlerError(t);
            v.dropAll();
        }
        counters.add(WorkerCounters.BURSTS, 1);
        counters.add(WorkerCounters.PROCESSED, n);
        batch = verdictApplier.apply(b, v);
    }

    private void onHandlerError(Throwable t) {
        lastHandlerError = t;
        counters.add(WorkerCounters.ERRORS, 1);
        errorLog.record(roleName, ErrorLog.Source.HANDLER, t);
    }

    // ------------------------------------------------------------------ control and views

    @Override
    public int workerId() {
        return role.id();
    }

    @Override
    public int stage() {
        return role.stage();
    }

    @Override
    public int indexInStage() {
        return role.indexInStage();
    }

    @Override
    public PacketHandler handler() {
        return handler;
    }

    @Override
    public void pauseReceiving() {
        receiving = false;
    }

    @Override
    public void resumeReceiving() {
        receiving = true;
    }

    @Override
    public boolean receiving() {
        return receiving;
    }

    ControlQueue control() {
        return control;
    }

    WorkerCounters counters() {
        return counters;
    }

    int cpu() {
        return role.cpu();
    }

    CountDownLatch started() {
        return started;
    }

    Throwable startFailure() {
        return startFailure;
    }

    Throwable lastHandlerError() {
        return lastHandlerError;
    }

    long tid() {
        return pinnedTid;
    }

    /** Frames this worker holds outside its ports: exact once the worker has stopped. */
    int framesHeld() {
        return batch.count() + ownedPorts.held() + dispatch.held() + egress.held();
    }
}
