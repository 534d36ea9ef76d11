package dev.sluice.drivers.pcap;

import dev.sluice.testing.RandomFrames;

import java.nio.file.Path;
import java.util.Random;

/**
 * Child process for {@link PcapWriterTest}: writes {@link #frame} i for i = 0, 1, 2, ... into a
 * pcap file until killed, flushing every {@link #FLUSH_EVERY} records and printing
 * "FLUSHED n" after each flush.
 */
public final class WriterCrashChild {
    static final int FLUSH_EVERY = 100;

    private WriterCrashChild() {
    }

    static byte[] frame(int i) {
        Random rnd = new Random(i);
        return RandomFrames.frame(rnd, 14 + rnd.nextInt(1501));
    }

    static long timestamp(int i) {
        return RandomFrames.BASE_NANOS + i * 1_000_001L;
    }

    public static void main(String[] args) throws Exception {
        try (PcapWriter w = PcapWriter.create(Path.of(args[0]), PcapWriter.Precision.NANOSECONDS, 64 * 1024)) {
            for (int i = 0; ; i++) {
                w.write(frame(i), timestamp(i));
                if ((i + 1) % FLUSH_EVERY == 0) {
                    w.flush();
                    System.out.println("FLUSHED " + (i + 1));
                    System.out.flush();
                }
            }
        }
    }
}
