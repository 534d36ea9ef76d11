package dev.sluice.pipeline.runtime;

import dev.sluice.pipeline.hash.FlowHasher;
import dev.sluice.ring.SpscDescriptorRing;
import dev.sluice.umem.FrameDescriptor;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;

/**
 * Which worker processes a packet, and the work links that carry packets there and back in.
 * <ul>
 *   <li>Within stage 0, with hashing, a port's owner keeps the packets whose flow the hash assigns to
 *       it and hands the others to their workers (as a NIC's RSS spreads queues).</li>
 *   <li>A NEXT_STAGE verdict hands the packet to the next stage: to the worker its flow hash selects
 *       with hashing, else always to the same one.</li>
 * </ul>
 * The hash picks a worker through an indirection table of {@value #RETA_SIZE} entries (hash low bits
 * to worker). Hand-offs collect in one outbox per peer, offered to its ring once per duty cycle; what
 * a full ring refuses is dropped and counted ({@link WorkerCounters#LINK_FULL}) instead of waiting:
 * work links can form cycles (two dispatchers feeding each other), so waiting could deadlock, and a
 * stage that cannot keep up sheds load instead of stalling the stages before it.
 */
final class FlowDispatch {
    static final int RETA_SIZE = 128;

    private final FlowHasher hasher;          // null: no hashing
    private final MemorySegment umem;
    private final int me;                     // index in this stage
    private final int[] sameStageReta;
    private final int[] nextStageReta;
    private final int fixedNextStage;         // the next-stage worker without hashing
    private final Outbox[] sameStageOut;      // by index in this stage; null when this worker does not dispatch
    private final Outbox[] nextStageOut;      // by index in the next stage; null in the last stage
    private final SpscDescriptorRing[] in;
    private final long[] scratch;
    private final FrameOwnership ownership;   // null: hand-overs are not recorded
    private final WorkerCounters counters;
    private int nextIn;

    FlowDispatch(Topology topology, WorkerRole role, WorkerCounters counters) {
        int[] stageSize = topology.stageSize();
        int next = role.stage() + 1;
        int nextStageWorkers = next < stageSize.length ? stageSize[next] : 0;
        this.hasher = topology.hashing() == null ? null : new FlowHasher(topology.hashing());
        this.umem = topology.umem();
        this.me = role.indexInStage();
        this.sameStageReta = reta(stageSize[role.stage()]);
        this.nextStageReta = reta(Math.max(1, nextStageWorkers));
        this.fixedNextStage = nextStageWorkers == 0 ? 0 : role.indexInStage() % nextStageWorkers;
        this.sameStageOut = Outbox.forEach(topology.links().dispatchOut(role.id()), topology.burst());
        this.nextStageOut = Outbox.forEach(topology.links().nextOut(role.id()), topology.burst());
        this.in = topology.links().workIn(role.id());
        this.scratch = new long[topology.burst()];
        this.ownership = topology.ownership();
        this.counters = counters;
    }

    /** Hash low bits to worker, round robin, as NICs fill their indirection tables. */
    private static int[] reta(int workers) {
        int[] t = new int[RETA_SIZE];
        for (int i = 0; i < RETA_SIZE; i++) {
            t[i] = i % workers;
        }
        return t;
    }

    /** True when this worker spreads what it receives over its stage. */
    boolean dispatches() {
        return sameStageOut != null;
    }

    /**
     * Keeps this worker's share of {@code b} in place and in order, hands the rest to its peers.
     * {@code receivedOn} moves with the packets.
     */
    void dispatch(PacketBatch b, int[] receivedOn) {
        final int n = b.count();
        int keep = 0;
        for (int i = 0; i < n; i++) {
            long addr = b.address(i);
            int len = b.length(i);
            int target = sameStageReta[hasher.hash(umem, addr, len) & (RETA_SIZE - 1)];
            if (target == me) {
                if (keep != i) {
                    b.setAddress(keep, addr);
                    b.setLength(keep, len);
                    receivedOn[keep] = receivedOn[i];
                }
                keep++;
            } else {
                handOff(sameStageOut[target], addr, len, receivedOn[i]);
            }
        }
        b.truncate(keep);
        counters.add(WorkerCounters.HANDED_OFF, n - keep);
    }

    /** Hands the packet to the next stage; false in the last stage (the caller drops it). */
    boolean toNextStage(long addr, int len, int receivedOn) {
        final Outbox[] out = nextStageOut;
        if (out == null) {
            return false;
        }
        int target = hasher != null ? nextStageReta[hasher.hash(umem, addr, len) & (RETA_SIZE - 1)] : fixedNextStage;
        handOff(out[target], addr, len, receivedOn);
        return true;
    }

    private void handOff(Outbox out, long addr, int len, int receivedOn) {
        if (ownership != null) {
            ownership.move(addr, FrameOwnership.APP, FrameOwnership.STAGE); // before the peer can see it
        }
        out.add(FrameDescriptor.pack(addr, len, receivedOn)); // capacity = burst: always fits
    }

    /** Tops {@code b} up from the incoming work links, a different one first each time. */
    int poll(PacketBatch b, int[] receivedOn) {
        final SpscDescriptorRing[] rings = in;
        if (rings.length == 0) {
            return 0;
        }
        final long[] d = scratch;
        final FrameOwnership own = ownership;
        int got = 0;
        int start = nextIn;
        for (int k = 0; k < rings.length; k++) {
            int room = b.remaining();
            if (room == 0) {
                break;
            }
            int i = start + k;
            if (i >= rings.length) {
                i -= rings.length;
            }
            int n = rings[i].poll(d, 0, room);
            for (int j = 0; j < n; j++) {
                long addr = FrameDescriptor.address(d[j]);
                if (own != null) {
                    own.move(addr, FrameOwnership.STAGE, FrameOwnership.APP);
                }
                receivedOn[b.count()] = FrameDescriptor.port(d[j]);
                b.add(addr, FrameDescriptor.length(d[j]));
            }
            got += n;
        }
        nextIn = start + 1 >= rings.length ? 0 : start + 1;
        counters.add(WorkerCounters.LINK_IN, got);
        return got;
    }

    /** Offers every outbox to its ring; what does not fit is dropped through {@code exits}. */
    int flush(VerdictApplier exits) {
        return flush(sameStageOut, exits) + flush(nextStageOut, exits);
    }

    private int flush(Outbox[] outs, VerdictApplier exits) {
        if (outs == null) {
            return 0;
        }
        int moved = 0;
        for (Outbox o : outs) {
            if (o != null && o.count > 0) {
                moved += o.flush();
                if (o.count > 0) {
                    dropLeftovers(o, exits);
                }
            }
        }
        return moved;
    }

    /** The link is full: the packets were not handed over, so they are still ours to give back. */
    private void dropLeftovers(Outbox o, VerdictApplier exits) {
        final FrameOwnership own = ownership;
        int n = o.count;
        for (int i = 0; i < n; i++) {
            long d = o.buffer[i];
            long addr = FrameDescriptor.address(d);
            if (own != null) {
                own.move(addr, FrameOwnership.STAGE, FrameOwnership.APP);
            }
            exits.drop(addr, FrameDescriptor.length(d), FrameDescriptor.port(d));
        }
        o.count = 0;
        counters.add(WorkerCounters.LINK_FULL, n);
    }

    /** Hand-offs waiting in the outboxes. */
    int held() {
        return Outbox.held(sameStageOut) + Outbox.held(nextStageOut);
    }
}
