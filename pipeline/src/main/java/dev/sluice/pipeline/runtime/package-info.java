/**
 * The pipeline runtime: {@link dev.sluice.pipeline.runtime.Pipeline} runs
 * {@link dev.sluice.pipeline.runtime.PacketHandler}s on pinned Agrona agents over
 * {@link dev.sluice.drivers.Port}s that share one UMEM.
 *
 * <h2>Topology</h2>
 * <ul>
 *   <li>Stage 0 has {@code workers(n)} workers; port {@code i} belongs to worker {@code i % n}, which
 *       alone receives from and transmits on it (run-to-completion).</li>
 *   <li>{@code hashing(toeplitz)}: a port's owner hashes each received packet (Toeplitz over the
 *       5-tuple, RSS indirection table of 128 entries) and hands packets of other workers' flows to
 *       them over SPSC work links; NEXT_STAGE hand-offs also go by hash.</li>
 *   <li>{@code stage(handler, n)}: NEXT_STAGE verdicts go to the next stage over SPSC work links.</li>
 *   <li>A verdict "transmit on port p" by a worker that does not own p, and drops by a worker that
 *       owns no port, travel to the owner over an SPSC egress link ({@link
 *       dev.sluice.umem.FrameDescriptor} with the target port and, for drops, the flag bit).</li>
 * </ul>
 * Every link carries {@link dev.sluice.umem.FrameDescriptor}s: address (40 bits), length (16), port
 * (7), flag (1) in one {@code long}. Full work links drop and count; full egress links hold the
 * worker's new work back until they drain (their consumers never produce, so no cycle can form).
 *
 * <h2>Control</h2>
 * {@link dev.sluice.pipeline.runtime.Command}s queue per worker (a lock-free JDK queue, polled at each
 * burst boundary; {@link dev.sluice.pipeline.runtime.CommandReceipt} tells when all ran them);
 * {@link dev.sluice.pipeline.runtime.Published} swaps immutable tables with one release store.
 *
 * <h2>Workers</h2>
 * A {@code Worker} is the agent and its duty cycle; its parts have one job each: {@code OwnedPorts}
 * (receive, transmit, give frames back), {@code FlowDispatch} (which worker processes a packet; work
 * links), {@code EgressLinks} (transmit and release requests to and from port owners),
 * {@code VerdictApplier} (where each packet goes after the handler). Each worker counts into one
 * {@link dev.sluice.pipeline.runtime.WorkerCounters} group, kind {@code worker} labelled
 * {@code worker=N}, from the builder's counter allocator (the counters file of {@code sluice fwd},
 * read by {@code sluice stat}): packets by where they went, busy and idle duty cycles, busy time,
 * errors.
 *
 * <h2>Errors</h2>
 * A handler exception drops its burst, an exception from a duty cycle cuts it short; the worker goes
 * on. Both are counted per worker; the first of each kind is written once by the error log's own
 * thread ({@code ErrorLog}), never by a worker.
 *
 * <h2>Warm-up</h2>
 * {@link dev.sluice.pipeline.runtime.WarmUp} runs the caller's pipeline over a simulated AF_XDP queue
 * before traffic arrives, so that the JIT has compiled the very code that then forwards.
 *
 * <h2>Shutdown</h2>
 * {@code close()}: pause receiving (a command), wait until nothing moves, stop the agents (joins their
 * threads), then run the remaining duty cycles on the closing thread until no frame is left in any
 * batch, outbox or link; if some are still there after the drain timeout, it throws. The pipeline
 * never closes ports.
 */
package dev.sluice.pipeline.runtime;
