package dev.sluice.pipeline.runtime;

import dev.sluice.ring.SpscDescriptorRing;

/**
 * Descriptors a worker collected during a burst for one outgoing link, offered to the link's SPSC
 * ring in one bulk (one release store) at the end of the duty cycle. What does not fit stays here.
 */
final class Outbox {
    final SpscDescriptorRing ring;
    final long[] buffer;
    int count;

    Outbox(SpscDescriptorRing ring, int capacity) {
        this.ring = ring;
        this.buffer = new long[capacity];
    }

    boolean add(long descriptor) {
        int n = count;
        if (n == buffer.length) {
            return false;
        }
        buffer[n] = descriptor;
        count = n + 1;
        return true;
    }

    /** Offers everything; keeps the rest in order at the front. Returns descriptors moved. */
    int flush() {
        int n = count;
        if (n == 0) {
            return 0;
        }
        int moved = ring.offer(buffer, 0, n);
        if (moved > 0 && moved < n) {
            System.arraycopy(buffer, moved, buffer, 0, n - moved);
        }
        count = n - moved;
        return moved;
    }
}
