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

    /** One outbox per ring (null where there is no ring); null when {@code rings} is null. */
    static Outbox[] forEach(SpscDescriptorRing[] rings, int capacity) {
        if (rings == null) {
            return null;
        }
        Outbox[] o = new Outbox[rings.length];
        for (int i = 0; i < rings.length; i++) {
            o[i] = rings[i] == null ? null : new Outbox(rings[i], capacity);
        }
        return o;
    }

    /** Descriptors waiting in {@code outs} (null entries and a null array hold none). */
    static int held(Outbox[] outs) {
        int n = 0;
        if (outs != null) {
            for (Outbox o : outs) {
                n += o == null ? 0 : o.count;
            }
        }
        return n;
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
