package dev.sluice.benchmarks.ring;

import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;

/** Shared constants and the Agrona burst loop of the ring benchmarks. */
final class RingBenchmarks {

    /** Slots per ring: the size DPDK's ring_perf_autotest uses. */
    static final int CAPACITY = 4096;

    /** Agrona message type of a descriptor message (any positive int). */
    static final int MSG_TYPE = 1;

    /** Agrona ring buffer bytes for CAPACITY messages of one long (header + payload, aligned). */
    static final int AGRONA_BYTES = CAPACITY * align(RecordDescriptor.HEADER_LENGTH + Long.BYTES);

    private RingBenchmarks() {
    }

    /** Agrona has no batch write: claim, write and commit each message until the burst is done or the ring is full. */
    static int agronaOffer(RingBuffer ring, RingProducer p, int burst) {
        int n = 0;
        while (n < burst) {
            final int index = ring.tryClaim(MSG_TYPE, Long.BYTES);
            if (index < 0) {
                break;
            }
            ring.buffer().putLong(index, p.nextValue());
            ring.commit(index);
            n++;
        }
        return n;
    }

    /** Parses the {@code backoff} parameter: "pause" or "none". */
    static boolean pause(String backoff) {
        return switch (backoff) {
            case "pause" -> true;
            case "none" -> false;
            default -> throw new IllegalArgumentException("backoff must be none or pause, was " + backoff);
        };
    }

    /** Returns {@code moved}; when it is 0 and {@code pause}, first spins once (PAUSE on x86). */
    static int idleIfZero(int moved, boolean pause) {
        if (moved == 0 && pause) {
            Thread.onSpinWait();
        }
        return moved;
    }

    private static int align(int length) {
        return (length + RecordDescriptor.ALIGNMENT - 1) & -RecordDescriptor.ALIGNMENT;
    }
}
