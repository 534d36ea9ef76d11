package dev.sluice.pipeline.runtime;

import dev.sluice.drivers.Port;
import dev.sluice.pipeline.hash.FlowHasher;
import dev.sluice.ring.SpscDescriptorRing;
import dev.sluice.sys.LibC;
import dev.sluice.umem.FrameDescriptor;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import org.agrona.concurrent.Agent;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;

/**
 * One pipeline worker: an Agrona {@link Agent} whose duty cycle moves at most one burst through its
 * handler. Share-nothing: it owns its ports (no other thread touches them while it runs), its batch,
 * its handler, and talks to other workers only through SPSC rings of {@link FrameDescriptor}s.
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
 *       work hand-offs whose ring is full are dropped and counted (DPDK's choice: a stage that cannot
 *       keep up sheds load instead of stalling the stages before it);</li>
 *   <li>transmit the per-port batches, release dropped frames through an owned port.</li>
 * </ol>
 * Why egress may wait and hand-offs may not: egress consumers never produce for anybody, so waiting for
 * them cannot form a cycle; work links can form cycles (two dispatchers feeding each other).
 * <p>
 * Frames are released through a port this worker owns (ports sharing one UMEM accept each other's
 * frames); a worker without ports sends drops to the owner of the port the packet arrived on.
 */
final class Worker implements Agent, WorkerControl {
    private static final int RETA_SIZE = 128;

    // identity
    private final int id;
    private final int stage;
    private final int indexInStage;
    private final int cpu;
    private final String roleName;
    private final PacketHandler handler;

    // ports: global index -> port; owned ones have a tx batch
    private final Port[] ports;
    private final int[] ownerOf;
    private final int[] ownedPorts;
    private final PacketBatch[] txBatch;
    private final PacketBatch releaseBatch;
    private final Port releasePort;
    private int nextPort;

    // links
    private final SpscDescriptorRing[] workIn;
    private final SpscDescriptorRing[] egressIn;
    private final Outbox[] dispatchOut;   // by index in this stage; null for self or when not dispatching
    private final Outbox[] nextOut;       // by index in the next stage; null entries for unused targets
    private final Outbox[] egressOut;     // by worker id; null for self and workers owning no port
    private final int[] retaSame;
    private final int[] retaNext;
    private final int fixedNext;
    private final FlowHasher hasher;
    private int nextWorkIn;

    // burst state
    private final int burst;
    private final PacketBatch batch;
    private final Verdicts verdicts;
    private final long[] scratch;
    private final MemorySegment umem;
    private final FrameOwnership ownership;

    // control
    private final ControlQueue control = new ControlQueue();
    private final WorkerCounters counters = new WorkerCounters();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile Throwable startFailure;
    private volatile Throwable lastHandlerError;
    private volatile long pinnedTid;
    private boolean receiving = true;

    Worker(int id, int stage, int indexInStage, int cpu, PacketHandler handler, Port[] ports, int[] ownerOf,
           int burst, FlowHasher hasher, int sameStageWorkers, int nextStageWorkers, FrameOwnership ownership,
           Links links) {
        this.id = id;
        this.stage = stage;
        this.indexInStage = indexInStage;
        this.cpu = cpu;
        this.roleName = "sluice-worker-" + id + (stage > 0 ? "-stage" + stage : "");
        this.handler = handler;
        this.ports = ports;
        this.ownerOf = ownerOf;
        this.burst = burst;
        this.hasher = hasher;
        this.ownership = ownership;
        int owned = 0;
        for (int o : ownerOf) {
            owned += o == id ? 1 : 0;
        }
        this.ownedPorts = new int[owned];
        this.txBatch = new PacketBatch[ports.length];
        for (int p = 0, k = 0; p < ports.length; p++) {
            if (ownerOf[p] == id) {
                ownedPorts[k++] = p;
                txBatch[p] = ports[p].newBatch(burst);
            }
        }
        this.releasePort = owned > 0 ? ports[ownedPorts[0]] : null;
        this.releaseBatch = owned > 0 ? releasePort.newBatch(burst) : null;
        this.batch = ports[0].newBatch(burst);
        this.umem = batch.umem();
        this.verdicts = new Verdicts(burst);
        this.scratch = new long[burst];
        this.workIn = links.workIn(id);
        this.egressIn = links.egressIn(id);
        this.dispatchOut = outboxes(links.dispatchOut(id), burst);
        this.nextOut = outboxes(links.nextOut(id), burst);
        this.egressOut = outboxes(links.egressOut(id), 2 * burst);
        this.retaSame = reta(sameStageWorkers);
        this.retaNext = reta(Math.max(1, nextStageWorkers));
        this.fixedNext = nextStageWorkers == 0 ? 0 : indexInStage % nextStageWorkers;
    }

    private static Outbox[] outboxes(SpscDescriptorRing[] rings, int capacity) {
        if (rings == null) {
            return null;
        }
        Outbox[] o = new Outbox[rings.length];
        for (int i = 0; i < rings.length; i++) {
            o[i] = rings[i] == null ? null : new Outbox(rings[i], capacity);
        }
        return o;
    }

    /** RSS indirection table: hash low bits -> worker, as NICs spread queues. */
    private static int[] reta(int workers) {
        int[] t = new int[RETA_SIZE];
        for (int i = 0; i < RETA_SIZE; i++) {
            t[i] = i % workers;
        }
        return t;
    }

    // ------------------------------------------------------------------ agent lifecycle

    @Override
    public void onStart() {
        try {
            if (cpu >= 0) {
                LibC.pinCurrentThread(cpu);
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
        int work = control.drain(this);
        counters.add(WorkerCounters.COMMANDS, work);
        return work + dutyCycle();
    }

    /** Everything but control: the final drain on the closing thread runs this too. */
    int dutyCycle() {
        int work = drainEgressIn();
        if (!egressPending()) {
            work += gatherAndProcess();
        }
        work += flushOutboxes();
        flushPorts();
        return work;
    }

    // ------------------------------------------------------------------ gather

    private int gatherAndProcess() {
        final PacketBatch b = batch;
        int got = 0;
        if (receiving && ownedPorts.length > 0) {
            got += receivePorts(b);
            if (dispatchOut != null && b.count() > 0) {
                dispatch(b);
            }
        }
        got += pollWorkLinks(b);
        if (b.count() > 0) {
            process(b);
        }
        return got;
    }

    private int receivePorts(PacketBatch b) {
        final int[] owned = ownedPorts;
        final int[] from = verdicts.receivedOnArray();
        int got = 0;
        int start = nextPort;
        for (int k = 0; k < owned.length && b.remaining() > 0; k++) {
            int i = start + k;
            if (i >= owned.length) {
                i -= owned.length;
            }
            int p = owned[i];
            int before = b.count();
            int n = ports[p].receive(b);
            for (int j = before; j < before + n; j++) {
                from[j] = p;
            }
            got += n;
        }
        nextPort = start + 1 >= owned.length ? 0 : start + 1;
        counters.add(WorkerCounters.RX, got);
        return got;
    }

    /** Keeps this worker's share of the burst in place (in order), hands the rest to its peers. */
    private void dispatch(PacketBatch b) {
        final int[] from = verdicts.receivedOnArray();
        final int me = indexInStage;
        final int n = b.count();
        int keep = 0;
        for (int i = 0; i < n; i++) {
            long addr = b.address(i);
            int len = b.length(i);
            int target = retaSame[hasher.hash(umem, addr, len) & (RETA_SIZE - 1)];
            if (target == me) {
                if (keep != i) {
                    b.setAddress(keep, addr);
                    b.setLength(keep, len);
                    from[keep] = from[i];
                }
                keep++;
            } else {
                handOff(dispatchOut[target], addr, len, from[i]);
            }
        }
        b.truncate(keep);
        counters.add(WorkerCounters.HANDED_OFF, n - keep);
    }

    private void handOff(Outbox out, long addr, int len, int port) {
        if (ownership != null) {
            ownership.move(addr, FrameOwnership.APP, FrameOwnership.STAGE); // before the peer can see it
        }
        out.add(FrameDescriptor.pack(addr, len, port)); // capacity = burst: always fits
    }

    private int pollWorkLinks(PacketBatch b) {
        final SpscDescriptorRing[] in = workIn;
        if (in.length == 0) {
            return 0;
        }
        final int[] from = verdicts.receivedOnArray();
        final long[] d = scratch;
        final FrameOwnership own = ownership;
        int got = 0;
        int start = nextWorkIn;
        for (int k = 0; k < in.length; k++) {
            int room = b.remaining();
            if (room == 0) {
                break;
            }
            int i = start + k;
            if (i >= in.length) {
                i -= in.length;
            }
            int n = in[i].poll(d, 0, room);
            for (int j = 0; j < n; j++) {
                long addr = FrameDescriptor.address(d[j]);
                if (own != null) {
                    own.move(addr, FrameOwnership.STAGE, FrameOwnership.APP);
                }
                from[b.count()] = FrameDescriptor.port(d[j]);
                b.add(addr, FrameDescriptor.length(d[j]));
            }
            got += n;
        }
        nextWorkIn = start + 1 >= in.length ? 0 : start + 1;
        counters.add(WorkerCounters.LINK_IN, got);
        return got;
    }

    // ------------------------------------------------------------------ process and verdicts

    private void process(PacketBatch b) {
        final int n = b.count();
        final Verdicts v = verdicts;
        v.reset(n);
        try {
            handler.onBurst(b, v);
        } catch (Throwable t) {
            lastHandlerError = t;
            counters.add(WorkerCounters.HANDLER_ERRORS, 1);
            v.dropAll();
        }
        counters.add(WorkerCounters.BURSTS, 1);
        counters.add(WorkerCounters.PROCESSED, n);
        applyVerdicts(b, n);
        b.clear();
    }

    private void applyVerdicts(PacketBatch b, int n) {
        final Verdicts v = verdicts;
        final int portCount = ports.length;
        int dropped = 0;
        int next = 0;
        int noNext = 0;
        int bad = 0;
        for (int i = 0; i < n; i++) {
            int code = v.code(i);
            long addr = b.address(i);
            int len = b.length(i);
            int from = v.receivedOn(i);
            if (code >= 0 && code < portCount) {
                transmitOn(code, addr, len);
            } else if (code == Verdicts.NEXT_STAGE) {
                if (nextOut != null) {
                    int target = hasher != null ? retaNext[hasher.hash(umem, addr, len) & (RETA_SIZE - 1)] : fixedNext;
                    handOff(nextOut[target], addr, len, from);
                    next++;
                } else {
                    dropFrame(addr, len, from);
                    noNext++;
                }
            } else {
                dropFrame(addr, len, from);
                if (code == Verdicts.DROP) {
                    dropped++;
                } else {
                    bad++;
                }
            }
        }
        counters.add(WorkerCounters.HANDED_OFF, next);
        counters.add(WorkerCounters.DROPPED, dropped);
        counters.add(WorkerCounters.NO_NEXT_STAGE, noNext);
        counters.add(WorkerCounters.BAD_PORT, bad);
    }

    private void transmitOn(int port, long addr, int len) {
        PacketBatch tb = txBatch[port];
        if (tb != null) {
            addTx(port, tb, addr, len);
        } else {
            egress(ownerOf[port], FrameDescriptor.pack(addr, len, port), addr);
        }
    }

    private void dropFrame(long addr, int len, int receivedOn) {
        if (releaseBatch != null) {
            addRelease(addr, len);
        } else {
            egress(ownerOf[receivedOn], FrameDescriptor.pack(addr, len, receivedOn, true), addr);
        }
    }

    private void egress(int owner, long descriptor, long addr) {
        if (ownership != null) {
            ownership.move(addr, FrameOwnership.APP, FrameOwnership.STAGE); // before the owner can see it
        }
        Outbox out = egressOut[owner];
        counters.add(WorkerCounters.EGRESS_OUT, 1);
        while (!out.add(descriptor)) {
            // Cannot happen: an egress outbox holds at most one burst (no new work while one is pending)
            // and has room for two. Were it to, waiting for the owner beats losing a frame.
            out.flush();
            Thread.onSpinWait();
        }
    }

    private void addTx(int port, PacketBatch tb, long addr, int len) {
        if (tb.remaining() == 0) {
            transmit(port, tb);
        }
        tb.add(addr, len);
    }

    private void addRelease(long addr, int len) {
        PacketBatch rb = releaseBatch;
        if (rb.remaining() == 0) {
            releasePort.release(rb);
        }
        rb.add(addr, len);
    }

    // ------------------------------------------------------------------ egress in

    private int drainEgressIn() {
        final SpscDescriptorRing[] in = egressIn;
        if (in.length == 0) {
            return 0;
        }
        final long[] d = scratch;
        final FrameOwnership own = ownership;
        int total = 0;
        for (SpscDescriptorRing ring : in) {
            int n = ring.poll(d, 0, d.length);
            for (int j = 0; j < n; j++) {
                long desc = d[j];
                long addr = FrameDescriptor.address(desc);
                int len = FrameDescriptor.length(desc);
                if (own != null) {
                    own.move(addr, FrameOwnership.STAGE, FrameOwnership.APP);
                }
                if (FrameDescriptor.flag(desc)) {
                    addRelease(addr, len);
                } else {
                    int p = FrameDescriptor.port(desc);
                    addTx(p, txBatch[p], addr, len);
                }
            }
            total += n;
        }
        counters.add(WorkerCounters.EGRESS_IN, total);
        return total;
    }

    // ------------------------------------------------------------------ flush

    private boolean egressPending() {
        final Outbox[] e = egressOut;
        if (e != null) {
            for (Outbox o : e) {
                if (o != null && o.count > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private int flushOutboxes() {
        int moved = flushEgress();
        moved += flushWork(dispatchOut);
        moved += flushWork(nextOut);
        return moved + flushEgress(); // dropped hand-offs may have become release requests
    }

    private int flushEgress() {
        final Outbox[] e = egressOut;
        int moved = 0;
        if (e != null) {
            for (Outbox o : e) {
                if (o != null && o.count > 0) {
                    moved += o.flush();
                }
            }
        }
        return moved;
    }

    private int flushWork(Outbox[] outs) {
        if (outs == null) {
            return 0;
        }
        int moved = 0;
        for (Outbox o : outs) {
            if (o != null && o.count > 0) {
                moved += o.flush();
                if (o.count > 0) {
                    dropLeftovers(o);
                }
            }
        }
        return moved;
    }

    /** The link is full: the packets were not handed over, so they are still ours to give back. */
    private void dropLeftovers(Outbox o) {
        final FrameOwnership own = ownership;
        int n = o.count;
        for (int i = 0; i < n; i++) {
            long d = o.buffer[i];
            long addr = FrameDescriptor.address(d);
            if (own != null) {
                own.move(addr, FrameOwnership.STAGE, FrameOwnership.APP);
            }
            dropFrame(addr, FrameDescriptor.length(d), FrameDescriptor.port(d));
        }
        o.count = 0;
        counters.add(WorkerCounters.LINK_FULL, n);
    }

    private void flushPorts() {
        final int[] owned = ownedPorts;
        for (int p : owned) {
            transmit(p, txBatch[p]); // also when empty: lets a port reclaim completions and kick
        }
        PacketBatch rb = releaseBatch;
        if (rb != null && rb.count() > 0) {
            releasePort.release(rb);
        }
    }

    private void transmit(int port, PacketBatch tb) {
        int n = tb.count();
        int sent = ports[port].transmit(tb);
        if (n > 0) {
            counters.add(WorkerCounters.TX, sent);
            counters.add(WorkerCounters.TX_REFUSED, n - sent);
        }
    }

    // ------------------------------------------------------------------ control and views

    @Override
    public int workerId() {
        return id;
    }

    @Override
    public int stage() {
        return stage;
    }

    @Override
    public int indexInStage() {
        return indexInStage;
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
        return cpu;
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
        int n = batch.count();
        for (PacketBatch tb : txBatch) {
            n += tb == null ? 0 : tb.count();
        }
        n += releaseBatch == null ? 0 : releaseBatch.count();
        n += held(dispatchOut) + held(nextOut) + held(egressOut);
        return n;
    }

    private static int held(Outbox[] outs) {
        int n = 0;
        if (outs != null) {
            for (Outbox o : outs) {
                n += o == null ? 0 : o.count;
            }
        }
        return n;
    }
}
