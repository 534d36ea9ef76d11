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

    public FrameCounts plus(FrameCounts o) {
        return new FrameCounts(pool + o.pool, fill + o.fill, app + o.app, tx + o.tx);
    }
}
