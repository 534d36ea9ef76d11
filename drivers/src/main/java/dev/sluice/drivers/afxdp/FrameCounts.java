package dev.sluice.drivers.afxdp;

/**
 * Where the frames of a queue are: free in its pool, posted to FILL (or held by the kernel for
 * RX), held by the application (received, not yet sent or released), or in TX (queued or in
 * flight, not yet completed).
 */
public record FrameCounts(int pool, int fill, int app, int tx) {
    public int total() {
        return pool + fill + app + tx;
    }

    /**
     * Where the frames of queues that share one pool are: {@code poolFree} free in the pool (its
     * ring and the queues' caches), plus what each queue has in FILL, the application and TX.
     */
    static FrameCounts sharedPool(int poolFree, AfXdpQueue[] queues) {
        FrameCounts total = new FrameCounts(poolFree, 0, 0, 0);
        for (AfXdpQueue q : queues) {
            FrameCounts c = q.frameCounts();
            total = total.plus(new FrameCounts(0, c.fill(), c.app(), c.tx()));
        }
        return total;
    }

    public FrameCounts plus(FrameCounts o) {
        return new FrameCounts(pool + o.pool, fill + o.fill, app + o.app, tx + o.tx);
    }
}
