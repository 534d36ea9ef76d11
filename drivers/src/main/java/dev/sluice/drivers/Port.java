package dev.sluice.drivers;

import dev.sluice.umem.PacketBatch;

/**
 * A source and sink of packets in bursts. Frames received into a batch belong to the caller until
 * it hands the batch to {@link #transmit} or {@link #release} of this port (or of another port
 * sharing the same frame memory).
 *
 * <p>Packets received or allocated start {@link dev.sluice.umem.UmemConfig#KERNEL_HEADROOM} plus
 * the UMEM's configured headroom bytes into their frame, so a handler can
 * {@link dev.sluice.umem.Packet#prepend} headers in place. {@link #transmit} sends each packet from
 * wherever its start is now, and {@link #transmit} and {@link #release} give back the frame that
 * holds the packet's address, wherever inside the frame it points.
 *
 * <p>Data-path methods allocate nothing, take no locks and never throw; problems are counted in
 * {@link #counters()}. A port is driven by one thread at a time.
 */
public interface Port extends AutoCloseable {
    /** A human-readable name, e.g. {@code afxdp:eth0/0}. */
    String name();

    /** A batch whose frames come from this port's frame memory. */
    PacketBatch newBatch(int capacity);

    /** Appends up to {@code batch.remaining()} received packets; returns how many. */
    int receive(PacketBatch batch);

    /**
     * Queues every packet of {@code batch} for transmission and empties the batch. Packets that do
     * not fit (ring full) are dropped and counted, and their frames go back to the pool.
     *
     * @return packets queued
     */
    int transmit(PacketBatch batch);

    /**
     * Appends up to {@code count} free frames to {@code batch} as packets of {@code length} bytes
     * with undefined contents, for the caller to fill and transmit (a generator's path).
     *
     * @return frames appended (fewer when the pool runs short)
     */
    int allocate(PacketBatch batch, int count, int length);

    /** Gives the frames of every packet in {@code batch} back without sending; empties the batch. */
    void release(PacketBatch batch);

    /** Live counters of this port (single writer: the data-path thread). */
    PortCounters counters();

    @Override
    void close();
}
