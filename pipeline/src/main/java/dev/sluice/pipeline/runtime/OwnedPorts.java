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
                txBatch[p] = ports[p].newBatch(burst);
            }
        }
        this.releasePort = n > 0 ? ports[owned[0]] : null;
        this.releaseBatch = n > 0 ? releasePort.newBatch(burst) : null;
    }

    boolean any() {
        return owned.length > 0;
    }

    /**
     * Receives from the owned ports in turn (a different one first each time) until {@code b} is full;
     * records each packet's port in {@code receivedOn}. Returns packets received.
     */
    int receive(PacketBatch b, int[] receivedOn) {
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
     * Queues every packet of {@code b} for transmission on {@code port} (a run-to-completion burst
     * sent back out whole); false, and nothing queued, when this worker does not own the port.
     */
    boolean transmitAllLater(int port, PacketBatch b) {
        PacketBatch tb = txBatch[port];
        if (tb == null) {
            return false;
        }
        if (tb.remaining() < b.count()) {
            transmit(port, tb); // empties it; b holds at most a burst, tb's capacity
        }
        tb.addAll(b);
        return true;
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
