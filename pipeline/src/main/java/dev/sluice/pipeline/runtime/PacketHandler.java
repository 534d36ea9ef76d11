package dev.sluice.pipeline.runtime;

import dev.sluice.umem.PacketBatch;

/**
 * What a pipeline stage does to packets: called with a burst of {@link dev.sluice.umem.Packet}
 * flyweights, it reads and rewrites them in place and sets one verdict per packet. Each worker has
 * its own handler instance (from the builder's supplier), called only on that worker's thread, so a
 * handler may keep plain mutable state (flow tables, counters) without synchronisation.
 * <p>
 * Contract: set {@code verdicts} for packets {@code 0..batch.count()-1} (unset ones are dropped); may
 * change packet bytes and lengths ({@link dev.sluice.umem.Packet#setLength}, within the frame's
 * {@link dev.sluice.umem.Packet#tailroom}); may move a packet's start within its frame, to push
 * headers in front of it ({@link dev.sluice.umem.Packet#prepend}, bounded by
 * {@link dev.sluice.umem.Packet#headroom}, which every port leaves at least
 * {@link dev.sluice.umem.UmemConfig#KERNEL_HEADROOM} bytes of on receive and allocate) or to strip
 * them ({@link dev.sluice.umem.Packet#trimFront}); every port transmits such a packet from its new
 * start and gives its frame back. A handler must not add, remove or reorder packets of the batch
 * nor keep references to them after returning. An exception drops the
 * whole burst and is counted ({@link WorkerCounters#ERRORS}); it never stops the worker.
 */
@FunctionalInterface
public interface PacketHandler {
    void onBurst(PacketBatch batch, Verdicts verdicts);
}
