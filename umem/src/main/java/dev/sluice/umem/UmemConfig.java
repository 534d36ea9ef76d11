package dev.sluice.umem;

/**
 * Shape of a UMEM: how many frames, how big, how much headroom before each packet.
 *
 * @param frameCount frames in the region (power of two not required, at least 64)
 * @param frameSize  2048 or 4096 (the kernel accepts only these for aligned chunks)
 * @param headroom   bytes reserved in each frame before the packet, on top of the kernel's own
 *                   256 bytes (XDP_PACKET_HEADROOM); room to prepend encapsulation in place. Every
 *                   driver puts received and allocated packets {@link #KERNEL_HEADROOM} + headroom
 *                   bytes into their frame, so the default of 0 already leaves 256 bytes: more than
 *                   the largest header stack a handler pushes (Ethernet, two VLAN tags, IPv6, UDP:
 *                   70 bytes; see {@code Packet.prepend})
 * @param hugePages  back the region with huge pages when the system has them (falls back to
 *                   normal pages otherwise; {@link Umem#hugePages()} says which)
 */
public record UmemConfig(int frameCount, int frameSize, int headroom, boolean hugePages) {
    /** The kernel reserves this much headroom itself in front of every received packet. */
    public static final int KERNEL_HEADROOM = 256;
    /** Largest headroom for a chunk size (the kernel's limit: chunk - 704). */
    public static final int HEADROOM_SLACK = 704;

    public UmemConfig {
        if (frameSize != 2048 && frameSize != 4096) {
            throw new IllegalArgumentException("frame size must be 2048 or 4096, not " + frameSize);
        }
        if (frameCount < 64 || frameCount > (1 << 22)) {
            throw new IllegalArgumentException("frame count must be in 64.." + (1 << 22) + ", not " + frameCount);
        }
        if (headroom < 0 || headroom > frameSize - HEADROOM_SLACK) {
            throw new IllegalArgumentException("headroom must be in 0.." + (frameSize - HEADROOM_SLACK)
                    + " for " + frameSize + "-byte frames, not " + headroom);
        }
    }

    /** 4096 frames of 2048 bytes, no extra headroom, normal pages. */
    public static UmemConfig defaults() {
        return new UmemConfig(4096, 2048, 0, false);
    }

    public UmemConfig withFrameCount(int n) {
        return new UmemConfig(n, frameSize, headroom, hugePages);
    }

    public UmemConfig withFrameSize(int n) {
        return new UmemConfig(frameCount, n, headroom, hugePages);
    }

    public UmemConfig withHeadroom(int n) {
        return new UmemConfig(frameCount, frameSize, n, hugePages);
    }

    public UmemConfig withHugePages(boolean on) {
        return new UmemConfig(frameCount, frameSize, headroom, on);
    }

    public long byteSize() {
        return (long) frameCount * frameSize;
    }
}
