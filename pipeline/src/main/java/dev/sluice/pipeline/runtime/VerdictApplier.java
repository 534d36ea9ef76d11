package dev.sluice.pipeline.runtime;

import dev.sluice.umem.PacketBatch;

/**
 * Carries out a burst's verdicts: every packet leaves the worker exactly once, onto the transmit batch
 * of a port the worker owns, into an egress link to the port's owner, into a work link to the next
 * stage, or back to the pool (through an owned port, else through the owner of the port it arrived
 * on). Verdicts that cannot be carried out drop the packet and are counted by reason.
 */
final class VerdictApplier {
    private final int portCount;
    private final int[] ownerOf;
    private final OwnedPorts ownedPorts;
    private final EgressLinks egress;
    private final FlowDispatch dispatch;
    private final WorkerCounters counters;

    VerdictApplier(Topology topology, OwnedPorts ownedPorts, EgressLinks egress, FlowDispatch dispatch,
                   WorkerCounters counters) {
        this.portCount = topology.ports().length;
        this.ownerOf = topology.ownerOf();
        this.ownedPorts = ownedPorts;
        this.egress = egress;
        this.dispatch = dispatch;
        this.counters = counters;
    }

    /**
     * Sends every packet of {@code b} where its verdict says and returns an empty batch for the
     * worker's next burst: {@code b} itself, or, when the whole burst went out one owned port as it
     * was, that port's former transmit batch.
     */
    PacketBatch apply(PacketBatch b, Verdicts v) {
        final int n = b.count();
        final int ports = portCount;
        final int uniform = v.uniformCode();
        if (uniform >= 0 && uniform < ports) {
            PacketBatch emptied = ownedPorts.transmitAllLater(uniform, b);
            if (emptied != null) {
                return emptied; // the whole burst goes out one owned port, in bulk
            }
        }
        int dropped = 0;
        int next = 0;
        int noNext = 0;
        int bad = 0;
        for (int i = 0; i < n; i++) {
            int code = v.code(i);
            long addr = b.address(i);
            int len = b.length(i);
            if (code >= 0 && code < ports) {
                transmit(code, addr, len);
            } else if (code == Verdicts.NEXT_STAGE) {
                if (dispatch.toNextStage(addr, len, v.receivedOn(i))) {
                    next++;
                } else {
                    drop(addr, len, v.receivedOn(i));
                    noNext++;
                }
            } else {
                drop(addr, len, v.receivedOn(i));
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
        b.clear();
        return b;
    }

    private void transmit(int port, long addr, int len) {
        if (!ownedPorts.transmitLater(port, addr, len)) {
            egress.transmit(ownerOf[port], port, addr, len);
        }
    }

    /** Gives the frame back to the pool. */
    void drop(long addr, int len, int receivedOn) {
        if (!ownedPorts.releaseLater(addr, len)) {
            egress.release(ownerOf[receivedOn], receivedOn, addr, len);
        }
    }
}
