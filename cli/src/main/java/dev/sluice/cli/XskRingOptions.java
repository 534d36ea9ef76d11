package dev.sluice.cli;

import picocli.CommandLine.Option;

/**
 * {@code --frames}, {@code --ring-size} and {@code --umem-frames}: how many frames an AF_XDP queue
 * has and keeps posted for the kernel ({@code fwd} and {@code lb}; a picocli mixin). More frames in
 * the FILL ring let a worker be off its CPU longer before the kernel runs out of frames to receive
 * into (counted as the queue's {@code fill_empty}); fewer touch fewer cache lines.
 */
final class XskRingOptions {
    /** Smallest FILL ring share. */
    static final int MIN_FRAMES = 16;
    /** Fewest UMEM frames per queue: an AF_XDP queue needs room for two bursts of 64 (receive and transmit). */
    static final int MIN_UMEM_FRAMES = 128;
    /** Most UMEM frames of a process (over all its queues). */
    static final int MAX_UMEM_FRAMES = 1 << 22;

    @Option(names = "--frames", paramLabel = "N", description = "Frames kept in the FILL ring per queue (default: ${DEFAULT-VALUE}).")
    int frames = 512;

    @Option(names = "--ring-size", paramLabel = "N", description = "Entries per XSK ring (default: ${DEFAULT-VALUE}).")
    int ringSize = 2048;

    @Option(names = "--umem-frames", paramLabel = "N", description = "UMEM frames per queue (default: ${DEFAULT-VALUE}).")
    int umemFrames = 4096;

    /**
     * Refuses values out of range with one line naming the option.
     *
     * @param queues how many queues share the process's UMEM (bounds {@code --umem-frames})
     */
    void check(int queues) {
        if (ringSize < 64 || ringSize > 65536 || Integer.bitCount(ringSize) != 1) {
            throw new Main.UserError("--ring-size must be a power of two in 64..65536, not " + ringSize);
        }
        int maxUmemFrames = MAX_UMEM_FRAMES / queues;
        if (umemFrames < MIN_UMEM_FRAMES || umemFrames > maxUmemFrames) {
            throw new Main.UserError("--umem-frames must be in " + MIN_UMEM_FRAMES + ".." + maxUmemFrames
                    + (queues > 1 ? " for " + queues + " queues" : "") + ", not " + umemFrames);
        }
        if (frames < MIN_FRAMES || frames > umemFrames / 2) {
            throw new Main.UserError("--frames must be in " + MIN_FRAMES + ".." + umemFrames / 2 + " (half of --umem-frames "
                    + umemFrames + "), not " + frames);
        }
    }
}
