package dev.sluice.drivers.pcap;

import dev.sluice.umem.UmemConfig;

/**
 * How to open a {@link PcapPort}. Immutable; change with the {@code with*} methods.
 *
 * @param umem            frames of the port's own UMEM; a packet longer than a frame's room
 *                        ({@code frameSize - 256 - headroom}) is cut to it and counted
 * @param outputPrecision timestamp precision of the output file; null: the input's (nanoseconds
 *                        when its timestamps are finer than microseconds, see
 *                        {@link CaptureSurvey#precision()}; microseconds without an input)
 * @param passes          times the input is read in all (replay; see {@link PcapPort#loop});
 *                        {@link Long#MAX_VALUE}: until closed
 * @param trackFrames     record every frame hand-over and count violations (tests, debugging)
 */
public record PcapPortOptions(UmemConfig umem, PcapWriter.Precision outputPrecision, long passes, boolean trackFrames) {
    public PcapPortOptions {
        if (umem == null) {
            throw new IllegalArgumentException("umem is required");
        }
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be at least 1, not " + passes);
        }
    }

    /** 1024 frames of 2048 bytes, the input's timestamp precision, one pass, no frame tracking. */
    public static PcapPortOptions defaults() {
        return new PcapPortOptions(UmemConfig.defaults().withFrameCount(1024), null, 1, false);
    }

    public PcapPortOptions withUmem(UmemConfig c) {
        return new PcapPortOptions(c, outputPrecision, passes, trackFrames);
    }

    public PcapPortOptions withOutputPrecision(PcapWriter.Precision p) {
        return new PcapPortOptions(umem, p, passes, trackFrames);
    }

    public PcapPortOptions withPasses(long n) {
        return new PcapPortOptions(umem, outputPrecision, n, trackFrames);
    }

    public PcapPortOptions withTrackFrames(boolean on) {
        return new PcapPortOptions(umem, outputPrecision, passes, on);
    }
}
