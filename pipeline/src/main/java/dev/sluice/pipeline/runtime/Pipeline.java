package dev.sluice.pipeline.runtime;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.Port;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.umem.FrameDescriptor;
import dev.sluice.umem.FrameOwnership;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Running workers over ports: run-to-completion (each stage-0 worker receives from its ports, runs the
 * handler and sends), optionally spreading a port's packets over several workers by flow hash, and
 * optionally followed by further stages joined by SPSC rings.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.builder()
 *         .ports(portA, portB)               // ports sharing one UMEM; port i -> stage-0 worker i % workers
 *         .workers(2).cpus(0, 1).idle("backoff")
 *         .handler(MyHandler::new)           // one handler per worker
 *         .stage(Audit::new, 1)              // NEXT_STAGE verdicts go here (optional)
 *         .hashing(Toeplitz.symmetric())     // spread by flow, both directions on one worker (optional)
 *         .counters(countersFile)            // "worker N": busy/idle duty cycles, errors (optional)
 *         .start()) {
 *     ...
 * }   // graceful: stop receiving, drain links, transmit or release every frame; throws if it cannot
 * }</pre>
 *
 * Each worker is an Agrona agent on its own thread, pinned to its CPU before its first duty cycle.
 * Ports belong to the stage-0 worker that receives from them: only that thread touches a port; other
 * workers send on it through egress links. The pipeline does not close ports: their owner does.
 * <p>
 * Errors: an exception from a handler drops its burst, one from a duty cycle cuts it short; neither
 * stops the worker. Each is counted in the worker's counters ({@code errors}) and the first of each
 * kind is written to the error log (default: standard error) by a thread of its own, off the data path.
 */
public final class Pipeline implements AutoCloseable {
    private final List<Port> ports;
    private final List<Worker> workers;
    /** The workers as an array, for {@link #invoke()}: an indexed loop allocates no iterator. */
    private final Worker[] workerArray;
    private final int[] ownerOf;
    private final Links links;
    private final ErrorLog errorLog;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final Duration drainTimeout;
    private boolean closed;

    private Pipeline(List<Port> ports, List<Worker> workers, int[] ownerOf, Links links, ErrorLog errorLog,
                     Duration drainTimeout) {
        this.ports = ports;
        this.workers = workers;
        this.workerArray = workers.toArray(new Worker[0]);
        this.ownerOf = ownerOf;
        this.links = links;
        this.errorLog = errorLog;
        this.drainTimeout = drainTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    private void start(Supplier<IdleStrategy> idle) {
        for (Worker w : workers) {
            AgentRunner runner = new AgentRunner(idle.get(), t -> {
                onError(t);
                w.onAgentError(t);
            }, null, w);
            runners.add(runner);
            AgentRunner.startOnThread(runner, r -> {
                Thread t = new Thread(r, w.roleName());
                t.setDaemon(true);
                return t;
            });
        }
        for (Worker w : workers) {
            try {
                if (!w.started().await(10, TimeUnit.SECONDS)) {
                    fail(new IllegalStateException(w.roleName() + " did not start within 10 s"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(new IllegalStateException("interrupted while starting workers", e));
            }
            if (w.startFailure() != null) {
                fail(new IllegalStateException(w.roleName() + " could not start on CPU " + w.cpu() + ": "
                        + w.startFailure().getMessage(), w.startFailure()));
            }
        }
    }

    private void fail(RuntimeException e) {
        try {
            close();
        } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
        }
        throw e;
    }

    private void onError(Throwable t) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, t);
    }

    // ------------------------------------------------------------------ control

    /** Queues {@code command} for every worker; returns at once. */
    public CommandReceipt broadcast(Command command) {
        CommandReceipt receipt = new CommandReceipt(workers.size());
        for (Worker w : workers) {
            w.control().offer(command, receipt);
        }
        return receipt;
    }

    /** Queues {@code command} for one worker; returns at once. */
    public CommandReceipt send(int worker, Command command) {
        CommandReceipt receipt = new CommandReceipt(1);
        workers.get(worker).control().offer(command, receipt);
        return receipt;
    }

    /** Workers stop taking packets from their ports at their next burst boundary. */
    public CommandReceipt pause() {
        return broadcast(WorkerControl::pauseReceiving);
    }

    public CommandReceipt resume() {
        return broadcast(WorkerControl::resumeReceiving);
    }

    // ------------------------------------------------------------------ views

    public int workerCount() {
        return workers.size();
    }

    public WorkerCounters counters(int worker) {
        return workers.get(worker).counters();
    }


    /** A counter summed over all workers. */
    public long total(int counter) {
        long n = 0;
        for (Worker w : workers) {
            n += w.counters().get(counter);
        }
        return n;
    }

    public List<Port> ports() {
        return ports;
    }

    /** The worker that owns (receives from and transmits on) port {@code port}. */
    public int ownerOf(int port) {
        return ownerOf[port];
    }

    /** CPU worker {@code worker} is pinned to, or -1. */
    public int cpuOf(int worker) {
        return workers.get(worker).cpu();
    }

    /** Linux thread id of worker {@code worker}'s thread (for /proc/&lt;pid&gt;/task/&lt;tid&gt;). */
    public long threadIdOf(int worker) {
        return workers.get(worker).tid();
    }

    /**
     * Moves every other thread of the process (JIT compilers, GC, reporters, and what they create
     * later: threads inherit their creator's mask) off the pinned workers' CPUs, so that housekeeping
     * never preempts a worker. For a process that is the pipeline, such as the command line; an
     * embedding application that wants its threads left alone does not call it. Does nothing when no
     * worker is pinned or no CPU would remain. Returns the threads moved.
     */
    public int keepOtherThreadsOffWorkerCpus() {
        int[] cpus = workers.stream().mapToInt(Worker::cpu).filter(c -> c >= 0).toArray();
        if (cpus.length == 0) {
            return 0;
        }
        Set<Long> tids = workers.stream().map(Worker::tid).collect(Collectors.toSet());
        return CpuIsolation.keepOthersOff(cpus, tids);
    }

    /**
     * Frames held inside the pipeline (batches, outboxes, links), not by its ports: exact once closed,
     * where it must be 0.
     */
    public int framesHeld() {
        int n = links.inFlight();
        for (Worker w : workers) {
            n += w.framesHeld();
        }
        return n;
    }

    /** Errors the agent runners reported (handler exceptions are counted per worker). */
    public long errors() {
        return errors.get();
    }

    public Throwable firstError() {
        return firstError.get();
    }

    /** The last exception a handler of {@code worker} threw, or null. */
    public Throwable lastHandlerError(int worker) {
        return workers.get(worker).lastHandlerError();
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Graceful shutdown: workers stop receiving at their next burst boundary and keep moving what is
     * inside until it is quiet; then the threads stop, and this thread finishes the job: every packet
     * still in a batch or a link is handled, transmitted or released, until the pipeline holds no frame
     * ({@link #framesHeld()} is 0). Ports stay open.
     *
     * @throws IllegalStateException when the pipeline still holds frames after the drain timeout (they
     *                               are lost to the pool); the pipeline is closed all the same
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            drainAndStop();
        } finally {
            links.close();
            errorLog.close();
        }
    }

    private void drainAndStop() {
        if (!runners.isEmpty()) {
            pause().await(drainTimeout);
            awaitQuiet(drainTimeout);
            for (AgentRunner r : runners) {
                r.close();
            }
        }
        // The threads have ended (close joins them): from here on this thread owns every worker and port.
        for (Worker w : workers) {
            w.pauseReceiving();
        }
        try {
            long deadline = System.nanoTime() + drainTimeout.toNanos();
            while (true) {
                int work = 0;
                for (Worker w : workers) {
                    work += w.dutyCycle();
                }
                if (work == 0 && framesHeld() == 0) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the pipeline still held " + framesHeld() + " frames after draining for "
                            + drainTimeout.toMillis() + " ms (a port that takes no more packets?); they are lost to the pool");
                }
            }
        } finally {
            for (Worker w : workers) {
                w.publishCounters(); // what the drain counted (and, invoked, everything since the last publication)
            }
        }
    }

    /**
     * One duty cycle of every worker, in order, on the calling thread: the data path of a pipeline
     * built with {@link Builder#startInvoked()}, driven from the caller's own loop (as Agrona's
     * {@code AgentInvoker} drives an agent). An exception from a duty cycle is counted and logged as
     * on a worker thread and the next worker still runs. Returns the work done (0: idle); the caller
     * applies its own idle strategy.
     *
     * @throws IllegalStateException when the pipeline runs threads of its own ({@link Builder#start()}),
     *                               which own the workers, or is closed
     */
    public int invoke() {
        if (!runners.isEmpty() || closed) {
            throw new IllegalStateException(closed ? "the pipeline is closed"
                    : "the pipeline runs its own worker threads (built with start()); invoke() is for startInvoked()");
        }
        int work = 0;
        final Worker[] ws = workerArray;
        for (Worker w : ws) {
            try {
                work += w.doWork();
            } catch (Throwable t) {
                onError(t);
                w.onAgentError(t);
            }
        }
        return work;
    }

    /** Waits until nothing moves for a few milliseconds (the running workers drain the links). */
    private void awaitQuiet(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        int quietRounds = 0;
        while (quietRounds < 3 && System.nanoTime() - deadline < 0) {
            long moved = total(WorkerCounters.PROCESSED) + total(WorkerCounters.EGRESS_IN) + total(WorkerCounters.LINK_IN);
            if (moved == last && links.inFlight() == 0) {
                quietRounds++;
            } else {
                quietRounds = 0;
            }
            last = moved;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ------------------------------------------------------------------ builder

    /** Shape of a pipeline; {@link #start()} checks it and fails with one clear message per problem. */
    public static final class Builder {
        private final List<Port> ports = new ArrayList<>();
        private final List<Supplier<? extends PacketHandler>> stageHandlers = new ArrayList<>();
        private final List<Integer> stageWorkers = new ArrayList<>();
        private int workers = 1;
        private int[] cpus = new int[0];
        private Supplier<IdleStrategy> idle = IdleStrategies.byName("backoff");
        private Toeplitz hashing;
        private int burst = 64;
        private int ringSize = 1024;
        private FrameOwnership ownership;
        private Duration drainTimeout = Duration.ofSeconds(5);
        private CounterAllocator counters = CounterAllocator.inMemory();
        private Consumer<String> errorLog = System.err::println;

        private Builder() {
            stageHandlers.add(null);
            stageWorkers.add(1);
        }

        public Builder port(Port port) {
            ports.add(Objects.requireNonNull(port, "port"));
            return this;
        }

        public Builder ports(Port... ports) {
            for (Port p : ports) {
                port(p);
            }
            return this;
        }

        public Builder ports(List<? extends Port> ports) {
            ports.forEach(this::port);
            return this;
        }

        /** Workers of the first stage (default 1). Port i belongs to worker i % n. */
        public Builder workers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("workers must be at least 1, not " + n);
            }
            this.workers = n;
            return this;
        }

        /** The first stage's handler: one instance per worker. */
        public Builder handler(Supplier<? extends PacketHandler> handler) {
            stageHandlers.set(0, Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** Appends a stage of {@code workers} workers, fed by NEXT_STAGE verdicts of the stage before. */
        public Builder stage(Supplier<? extends PacketHandler> handler, int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("a stage needs at least 1 worker, not " + workers);
            }
            stageHandlers.add(Objects.requireNonNull(handler, "handler"));
            stageWorkers.add(workers);
            return this;
        }

        /** CPU of each worker in order (stage 0 first); workers beyond the list are not pinned. */
        public Builder cpus(int... cpus) {
            for (int c : cpus) {
                if (c < 0 || c >= 1024) {
                    throw new IllegalArgumentException("cpu " + c + " out of range 0..1023");
                }
            }
            this.cpus = cpus.clone();
            return this;
        }

        /** Idle strategy by name: spin, yield, backoff (default), sleep, noop. */
        public Builder idle(String name) {
            this.idle = IdleStrategies.byName(name);
            return this;
        }

        public Builder idle(Supplier<IdleStrategy> idle) {
            this.idle = Objects.requireNonNull(idle, "idle");
            return this;
        }

        /**
         * Spread packets by flow: stage-0 workers that receive from a port hand each packet to the
         * stage-0 worker its Toeplitz hash selects, and NEXT_STAGE hand-offs also go by hash.
         */
        public Builder hashing(Toeplitz toeplitz) {
            this.hashing = toeplitz;
            return this;
        }

        /** Packets per burst (default 64). */
        public Builder burst(int burst) {
            if (burst < 1 || burst > 4096) {
                throw new IllegalArgumentException("burst must be in 1..4096, not " + burst);
            }
            this.burst = burst;
            return this;
        }

        /** Slots of each ring between workers (power of two, default 1024). */
        public Builder ringSize(int size) {
            this.ringSize = size;
            return this;
        }

        /** Record every frame hand-over between workers in this (the ports' own record, if any). */
        public Builder ownership(FrameOwnership ownership) {
            this.ownership = ownership;
            return this;
        }

        /** How long {@link Pipeline#close()} waits for in-flight packets at most (default 5 s). */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Where each worker's counter group (kind "worker", label worker=N) lives, e.g. a counters file (default: memory). */
        public Builder counters(CounterAllocator counters) {
            this.counters = Objects.requireNonNull(counters, "counters");
            return this;
        }

        /** Where the first error of each kind is written, one message each (default: standard error). */
        public Builder errorLog(Consumer<String> log) {
            this.errorLog = Objects.requireNonNull(log, "log");
            return this;
        }

        public Pipeline start() {
            Pipeline p = assemble();
            p.start(idle);
            return p;
        }

        /**
         * The pipeline without threads: nothing runs until the caller calls {@link Pipeline#invoke()},
         * one duty cycle of every worker on the caller's thread each time. For an application that
         * owns its loop (one thread that also does other work), a test or a warm-up that plays the
         * kernel on the same thread. CPUs cannot be given (the caller pins its own thread); commands
         * ({@link Pipeline#broadcast}) run at the next {@code invoke()}; {@link Pipeline#close()}
         * drains on the calling thread.
         */
        public Pipeline startInvoked() {
            if (cpus.length > 0) {
                throw new IllegalArgumentException("an invoked pipeline runs on the caller's thread: pin that thread instead of"
                        + " giving cpus(" + Arrays.stream(cpus).mapToObj(Integer::toString).collect(Collectors.joining(", ")) + ")");
            }
            return assemble();
        }

        /** The pipeline without its threads, the workers' CPUs kept for {@link #start()}. */
        Pipeline assemble() {
            stageWorkers.set(0, workers);
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("a pipeline needs at least one port");
            }
            if (ports.size() > FrameDescriptor.MAX_PORT + 1) {
                throw new IllegalArgumentException("a pipeline has at most " + (FrameDescriptor.MAX_PORT + 1) + " ports, not " + ports.size());
            }
            for (int s = 0; s < stageHandlers.size(); s++) {
                if (stageHandlers.get(s) == null) {
                    throw new IllegalArgumentException("no handler for stage " + s + ": call handler(...)");
                }
            }
            checkSharedUmem();
            if (workers > ports.size() && hashing == null) {
                throw new IllegalArgumentException(workers + " first-stage workers but " + ports.size() + " port"
                        + (ports.size() == 1 ? "" : "s") + ": workers without a port get no packets unless hashing(...) spreads"
                        + " flows over them; use hashing(Toeplitz.symmetric()) or workers(" + ports.size() + ")");
            }
            int stages = stageWorkers.size();
            int total = stageWorkers.stream().mapToInt(Integer::intValue).sum();
            int[] stageOf = new int[total];
            int[] indexInStage = new int[total];
            int[] stageSize = new int[stages];
            for (int s = 0, id = 0; s < stages; s++) {
                stageSize[s] = stageWorkers.get(s);
                for (int i = 0; i < stageSize[s]; i++, id++) {
                    stageOf[id] = s;
                    indexInStage[id] = i;
                }
            }
            int[] ownerOf = new int[ports.size()];
            boolean[] ownsPort = new boolean[total];
            for (int p = 0; p < ownerOf.length; p++) {
                ownerOf[p] = p % workers;
                ownsPort[ownerOf[p]] = true;
            }
            boolean dispatch = hashing != null && workers > 1;
            Links links = new Links(stageOf, indexInStage, stageSize, ownsPort, dispatch, hashing != null, ringSize);
            List<Worker> list = new ArrayList<>();
            ErrorLog log = null;
            try {
                Port[] portArray = ports.toArray(new Port[0]);
                Topology topology = new Topology(portArray, ownerOf, stageSize, portArray[0].newBatch(1).umem(), burst,
                        hashing, ownership, links);
                log = new ErrorLog(errorLog);
                for (int id = 0; id < total; id++) {
                    int s = stageOf[id];
                    PacketHandler handler = Objects.requireNonNull(stageHandlers.get(s).get(), "handler supplier returned null");
                    WorkerRole role = new WorkerRole(id, s, indexInStage[id], id < cpus.length ? cpus[id] : -1);
                    list.add(new Worker(role, topology, handler, WorkerCounters.allocate(counters, id), log));
                }
            } catch (RuntimeException e) {
                links.close();
                if (log != null) {
                    log.close();
                }
                throw e;
            }
            return new Pipeline(List.copyOf(ports), List.copyOf(list), ownerOf, links, log, drainTimeout);
        }

        private void checkSharedUmem() {
            MemorySegment first = ports.getFirst().newBatch(1).umem();
            for (Port p : ports) {
                MemorySegment s = p.newBatch(1).umem();
                if (s.address() != first.address() || s.byteSize() != first.byteSize()) {
                    throw new IllegalArgumentException("port " + p.name() + " uses another UMEM than " + ports.getFirst().name()
                            + ": the ports of a pipeline must share one UMEM (frames move between them without copies)");
                }
            }
        }
    }
}
