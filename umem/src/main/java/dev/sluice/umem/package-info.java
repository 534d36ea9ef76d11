/**
 * UMEM regions and their frames.
 *
 * <ul>
 *   <li>{@link dev.sluice.umem.Umem} (layout of a frame there) and {@link dev.sluice.umem.UmemConfig}.</li>
 *   <li>Free frames: {@link dev.sluice.umem.SharedFramePool}, the MPMC ring of a UMEM's free
 *       frames, with one {@link dev.sluice.umem.FrameCache} per thread in front of it (frames move
 *       between the two in bulks); {@link dev.sluice.umem.FramePool}, a single owner's stack.</li>
 *   <li>{@link dev.sluice.umem.FrameOwnership}: who holds each frame, for tests and debugging.</li>
 *   <li>{@link dev.sluice.umem.Packet} and {@link dev.sluice.umem.PacketBatch}: flyweights over
 *       frames ({@link dev.sluice.umem.FrameDescriptor}: address and length in one long).</li>
 * </ul>
 */
package dev.sluice.umem;
