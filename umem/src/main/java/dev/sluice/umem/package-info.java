/**
 * Packet memory: the {@link dev.sluice.umem.Umem} (page-aligned frames shared with the kernel), the
 * pools that hold its free frames (per owner, shared, per-thread caches), the one-{@code long}
 * frame descriptor of in-process rings, frame ownership tracking for tests, and the
 * {@link dev.sluice.umem.PacketBatch} / {@link dev.sluice.umem.Packet} views through which data paths
 * read and write packets in place.
 */
package dev.sluice.umem;
