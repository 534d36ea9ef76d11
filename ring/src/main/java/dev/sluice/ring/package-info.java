/**
 * Lock-free rings over {@link java.lang.foreign.MemorySegment}: user space's views of the four
 * kernel AF_XDP rings ({@link dev.sluice.ring.XskProducerRing} for FILL and TX,
 * {@link dev.sluice.ring.XskConsumerRing} for RX and COMPLETION, layout in
 * {@link dev.sluice.ring.XskRingDescriptor}) and in-process descriptor rings between workers
 * ({@link dev.sluice.ring.SpscDescriptorRing}, {@link dev.sluice.ring.MpscDescriptorRing}) and under
 * the shared frame pool ({@link dev.sluice.ring.MpmcFrameRing}), layout in
 * {@link dev.sluice.ring.DescriptorRingDescriptor}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Every binary layout is drawn once, in a {@code *Descriptor} class, with named offsets.</li>
 *   <li>Memory ordering is in the names: {@code ...Acquire()} performs a load-acquire,
 *       {@code ...Release(...)} ends with a store-release; other accesses are plain. Every release
 *       store carries a one-line comment saying what it publishes.</li>
 *   <li>Hot paths use the {@code static final} var handles of {@code SegmentAccess}, copy fields to
 *       locals, allocate nothing and throw nothing; arguments are validated once, in constructors.</li>
 *   <li>Bursts: one acquire load at most and one release store per burst and side.</li>
 *   <li>The data path addresses ring memory through {@code sys}'s {@code AddressSpace.ALL} plus the
 *       ring's base address (no liveness check per access): stop both sides before freeing a ring.</li>
 *   <li>Only what the other side reads lives in ring memory. A side's own index and its cached copy
 *       of the other's are Java fields, padded so that no two threads write one cache line
 *       ({@code SpscRingFields}, {@code XskRingFields}).</li>
 *   <li>Written for C2's inlining rules, which decide by call-site frequency: per-entry accessors
 *       stay under 35 bytes of bytecode (no assertions), and a burst's copy loop is in a body that
 *       every call reaches, not in a helper called only when there was room (a call site that most
 *       calls skip counts as cold and stays a real call).</li>
 * </ul>
 * This module depends on the JDK and on {@code sys} (for {@code AddressSpace} only).
 */
package dev.sluice.ring;
