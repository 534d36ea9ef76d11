package dev.sluice.pipeline.runtime;

import dev.sluice.ring.SpscDescriptorRing;
import dev.sluice.umem.FrameDescriptor;
import dev.sluice.umem.FrameOwnership;

/**
 * One worker's egress links. Out: transmit and release requests for ports other workers own, one
 * outbox per owner (a {@link FrameDescriptor} naming the port; for a release, the flag bit set and
 * the port the packet arrived on). In: such requests from other workers for this worker's ports,
 * carried out on its {@link OwnedPorts}.
 * <p>
 * Egress backpressures instead of dropping: while an outbox is still pending the worker takes no new
 * work, so an outbox (room for two bursts) never holds more than one burst and {@link #send} always
 * fits. The consumers of egress links never produce for anybody, so waiting cannot form a cycle.
 */
final class EgressLinks {
    private final Outbox[] out;                // by owner worker id; null when no link goes there
    private final SpscDescriptorRing[] in;
    private final long[] scratch;
    private final FrameOwnership ownership;    // null: hand-overs are not recorded
    private final WorkerCounters counters;

    EgressLinks(Topology topology, WorkerRole role, WorkerCounters counters) {
        this.out = Outbox.forEach(topology.links().egressOut(role.id()), 2 * topology.burst());
        this.in = topology.links().egressIn(role.id());
        this.scratch = new long[topology.burst()];
        this.ownership = topology.ownership();
        this.counters = counters;
    }

    /** Asks {@code owner} to transmit the packet on its port {@code port}. */
    void transmit(int owner, int port, long addr, int len) {
        send(owner, FrameDescriptor.pack(addr, len, port), addr);
    }

    /** Asks {@code owner} (of the port the packet arrived on) to give the frame back. */
    void release(int owner, int receivedOn, long addr, int len) {
        send(owner, FrameDescriptor.pack(addr, len, receivedOn, true), addr);
    }

    private void send(int owner, long descriptor, long addr) {
        if (ownership != null) {
            ownership.move(addr, FrameOwnership.APP, FrameOwnership.STAGE); // before the owner can see it
        }
        Outbox o = out[owner];
        counters.add(WorkerCounters.EGRESS_OUT, 1);
        while (!o.add(descriptor)) {
            // Cannot happen (see the class comment). Were it to, waiting for the owner beats losing a frame.
            o.flush();
            Thread.onSpinWait();
        }
    }

    /** True while an outbox still holds requests its ring had no room for. */
    boolean pending() {
        final Outbox[] e = out;
        if (e != null) {
            for (Outbox o : e) {
                if (o != null && o.count > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Offers every outbox to its ring; returns requests moved. */
    int flush() {
        final Outbox[] e = out;
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

    /** Carries out every request waiting in the incoming links on {@code ports}; returns how many. */
    int drainInto(OwnedPorts ports) {
        final SpscDescriptorRing[] rings = in;
        if (rings.length == 0) {
            return 0;
        }
        final long[] d = scratch;
        final FrameOwnership own = ownership;
        int total = 0;
        for (SpscDescriptorRing ring : rings) {
            int n = ring.poll(d, 0, d.length);
            for (int j = 0; j < n; j++) {
                long desc = d[j];
                long addr = FrameDescriptor.address(desc);
                int len = FrameDescriptor.length(desc);
                if (own != null) {
                    own.move(addr, FrameOwnership.STAGE, FrameOwnership.APP);
                }
                // Links only carry requests for ports this worker owns (Links wires them so).
                if (FrameDescriptor.flag(desc)) {
                    ports.releaseLater(addr, len);
                } else {
                    ports.transmitLater(FrameDescriptor.port(desc), addr, len);
                }
            }
            total += n;
        }
        counters.add(WorkerCounters.EGRESS_IN, total);
        return total;
    }

    /** Requests waiting in the outboxes. */
    int held() {
        return Outbox.held(out);
    }
}
