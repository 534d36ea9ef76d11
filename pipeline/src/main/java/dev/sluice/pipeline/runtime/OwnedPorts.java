package dev.sluice.pipeline.runtime;

import dev.sluice.drivers.Port;
import dev.sluice.umem.PacketBatch;

/**
 * The ports one worker owns: it alone receives from them and transmits on them. Holds one transmit
 * batch per owned port, filled while verdicts are applied and sent at the end of the duty cycle, and
 * one batch of frames to give back to the pool through the first owned port (ports sharing one UMEM
 * accept each other's frames). A worker that owns no port has none of these.
 */
final class OwnedPorts {
    private final Port[] ports;
    private final int[] owned;
    /** The one port this worker owns, or -1 when it owns none or several. */
    private final int singlePort;
    private final PacketBatch[] txBatch;
    private final Port releasePort;
    private final PacketBatch releaseBatch;
    private final WorkerCounters counters;
    private int nextPort;

    OwnedPorts(Topology topology, WorkerRole role, WorkerCounters counters) {
        final Port[] ports = topology.ports();
        final int[] ownerOf = topology.ownerOf();
        final int worker = role.id();
        final int burst = topology.burst();
        this.ports = ports;
        this.counters = counters;
        int n = 0;
        for (int o : ownerOf) {
            n += o == worker ? 1 : 0;
        }
        this.owned = new int[n];
        this.txBatch = new PacketBatch[ports.length];
        for (int p = 0, k = 0; p < ports.length; p++) {
            if (ownerOf[p] == worker) {
                owned[k++] = p;
                txBatch[p] = newBatch(topology);
            }
        }
        this.singlePort = n == 1 ? owned[0] : -1;
        this.releasePort = n > 0 ? ports[owned[0]] : null;
        this.releaseBatch = n > 0 ? releasePort.newBatch(burst) : null;
    }

    /**
     * A batch of one burst over the pipeline's frame memory. The worker's burst batch and the transmit
     * batches are all made here, so that {@link #transmitAllLater} can swap them: the ports share one
     * UMEM, and a batch of one port's frames is a batch of every port's.
     */
    static PacketBatch newBatch(Topology topology) {
        return topology.ports()[0].newBatch(topology.burst());
    }

    boolean any() {
        return owned.length > 0;
    }

    /** The one port this worker owns, or -1 when it owns none or several. */
    int singlePort() {
        return singlePort;
    }

    /**
     * Receives from the owned ports in turn (a different one first each time) until {@code b} is full;
     * records each packet's port in {@code receivedOn}, except on a worker that owns a single port:
     * every packet came from {@link #singlePort()} then, and the caller writes {@code receivedOn}
     * only where it is read. Returns packets received.
     */
    int receive(PacketBatch b, int[] receivedOn) {
        final int single = singlePort;
        if (single >= 0) {
            int n = ports[single].receive(b);
            counters.add(WorkerCounters.RX, n);
            return n;
        }
        final int[] own = owned;
        int got = 0;
        int start = nextPort;
        for (int k = 0; k < own.length && b.remaining() > 0; k++) {
            int i = start + k;
            if (i >= own.length) {
                i -= own.length;
            }
            int p = own[i];
            int before = b.count();
            int n = ports[p].receive(b);
            for (int j = before; j < before + n; j++) {
                receivedOn[j] = p;
            }
            got += n;
        }
        nextPort = start + 1 >= own.length ? 0 : start + 1;
        counters.add(WorkerCounters.RX, got);
        return got;
    }

    /** Queues a packet for transmission on {@code port}; false when this worker does not own it. */
    boolean transmitLater(int port, long addr, int len) {
        PacketBatch tb = txBatch[port];
        if (tb == null) {
            return false;
        }
        if (tb.remaining() == 0) {
            transmit(port, tb);
        }
        tb.add(addr, len);
        return true;
    }

    /**
     * Takes every packet of {@code b} for transmission on {@code port} (a run-to-completion burst sent
     * back out whole) and returns an empty batch for the caller to use in place of {@code b}. When the
     * port's transmit batch is empty, {@code b} itself becomes the transmit batch and the caller gets
     * the empty one (no descriptor is copied); else the packets are copied and {@code b} is returned
     * emptied. Returns null, and takes nothing, when this worker does not own the port.
     */
    PacketBatch transmitAllLater(int port, PacketBatch b) {
        PacketBatch tb = txBatch[port];
        if (tb == null) {
            return null;
        }
        if (tb.count() == 0) {
            txBatch[port] = b; // interchangeable: same frame memory, same capacity (see newBatch)
            return tb;
        }
        if (tb.remaining() < b.count()) {
            transmit(port, tb); // empties it; b holds at most a burst, tb's capacity
        }
        tb.addAll(b);
        b.clear();
        return b;
    }

    /** Queues a frame to give back to the pool; false when this worker owns no port to do it through. */
    boolean releaseLater(long addr, int len) {
        PacketBatch rb = releaseBatch;
        if (rb == null) {
            return false;
        }
        if (rb.remaining() == 0) {
            releasePort.release(rb);
        }
        rb.add(addr, len);
        return true;
    }

    /** Sends every transmit batch (also empty ones: a port reclaims completions and kicks then) and releases. */
    void flush() {
        for (int p : owned) {
            transmit(p, txBatch[p]);
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

    /** Frames waiting in the transmit and release batches. */
    int held() {
        int n = 0;
        for (int p : owned) {
            n += txBatch[p].count();
        }
        return n + (releaseBatch == null ? 0 : releaseBatch.count());
    }
}
