package dev.sluice.drivers.afpacket;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static dev.sluice.sys.TpacketDescriptor.*;

/**
 * The user side of a TPACKET_V3 TX ring: fixed-size frames, contiguous in the mapping, that the
 * kernel sends strictly in ring order. Layout in {@link dev.sluice.sys.TpacketDescriptor}.
 *
 * <pre>
 *            tail                    head
 *             v                       v
 *  ... free | in flight (SEND_REQUEST, SENDING, sent) | free ...
 * </pre>
 *
 * {@link #copyIn} fills the frame at {@code head} and publishes it with a release store of
 * TP_STATUS_SEND_REQUEST; {@link #reclaim} moves {@code tail} over frames the kernel has marked
 * available again. Because both sides go in ring order, the in-flight frames are always one
 * contiguous run and {@code free + inFlight == frames}.
 *
 * <p>{@code tp_next_offset} of every frame stays 0 (the mapping starts zeroed and neither side
 * writes it); the kernel refuses a frame where it is not.
 */
final class TpacketTxRing {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final long base;
    private final int frames;
    private final int frameShift;
    private final int maxLength;

    private int head;
    private int tail;
    private int inFlight;

    /**
     * @param base      ring offset of frame 0
     * @param maxLength the longest packet a frame carries (frame size - header, capped by the MTU)
     */
    TpacketTxRing(MemorySegment mapping, long base, int frames, int frameSize, int maxLength) {
        this.ring = mapping;
        this.base = base;
        this.frames = frames;
        this.frameShift = Integer.numberOfTrailingZeros(frameSize);
        this.maxLength = maxLength;
    }

    int free() {
        return frames - inFlight;
    }

    int inFlight() {
        return inFlight;
    }

    int frames() {
        return frames;
    }

    int maxLength() {
        return maxLength;
    }

    /**
     * Copies {@code length} bytes at {@code offset} of {@code source} into the frame at head and
     * hands it to the kernel. The caller checked {@link #free()} &gt; 0 and the length range.
     */
    void copyIn(MemorySegment source, long offset, int length) {
        long frame = base + ((long) head << frameShift);
        MemorySegment r = ring;
        MemorySegment.copy(source, offset, r, frame + TX_DATA_OFFSET, length);
        r.set(ValueLayout.JAVA_INT, frame + TP_LEN_OFFSET, length);
        // Release: the packet bytes and tp_len happen-before the kernel sees SEND_REQUEST.
        INT.setRelease(r, frame + TP_STATUS_OFFSET, TP_STATUS_SEND_REQUEST);
        head = head + 1 == frames ? 0 : head + 1;
        inFlight++;
    }

    /**
     * True when the kernel has not yet picked up the last requested frame (it is still exactly
     * SEND_REQUEST), so a kick is needed to get it sent. The kernel walks in ring order, so the last
     * frame tells for all of them; a frame it has taken is SENDING or already available.
     */
    boolean requestPending() {
        if (inFlight == 0) {
            return false;
        }
        int last = head == 0 ? frames - 1 : head - 1;
        // Acquire: pairs with the kernel's status store; a stale read only costs one extra kick.
        int status = (int) INT.getAcquire(ring, base + ((long) last << frameShift) + TP_STATUS_OFFSET);
        return status == TP_STATUS_SEND_REQUEST;
    }

    /** Takes back frames the kernel is done with, in ring order; returns how many. */
    int reclaim() {
        int n = 0;
        int t = tail;
        int left = inFlight;
        MemorySegment r = ring;
        while (left > 0) {
            // Acquire: the kernel is done with the frame's bytes before we overwrite them.
            int status = (int) INT.getAcquire(r, base + ((long) t << frameShift) + TP_STATUS_OFFSET);
            if ((status & TP_STATUS_TX_BUSY_MASK) != 0) {
                break;
            }
            t = t + 1 == frames ? 0 : t + 1;
            left--;
            n++;
        }
        tail = t;
        inFlight = left;
        return n;
    }
}
