package dev.sluice.drivers.pcap;

import dev.sluice.testing.RandomFrames;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading, receiving and writing allocate nothing per packet: a pass over 20000 packets allocates
 * less than one byte per packet (one object per packet would be at least 16 bytes each; what
 * remains is JIT and measurement noise, about a kilobyte). Measured with the thread's allocation
 * counter after a warm-up pass.
 */
class PcapAllocationTest {
    private static final int COUNT = 20_000;

    @TempDir
    Path dir;

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void aPassAllocatesNothingPerPacket() throws IOException {
        Path in = dir.resolve("in.pcap");
        try (PcapWriter w = PcapWriter.create(in, PcapWriter.Precision.NANOSECONDS)) {
            byte[] f = RandomFrames.frames(1, 1).getFirst();
            for (int i = 0; i < COUNT; i++) {
                w.write(f, RandomFrames.BASE_NANOS + i);
            }
        }
        try (PcapReader r = PcapReader.open(in)) {
            for (int pass = 0; pass < 3; pass++) {
                r.rewind();
                long before = allocated();
                long n = 0;
                while (r.next()) {
                    n += r.capturedLength();
                }
                long bytes = allocated() - before;
                assertThat(n).isPositive();
                if (pass > 0) {
                    assertThat(bytes).as("bytes allocated reading %d packets", COUNT).isLessThan(COUNT);
                }
            }
        }
        try (PcapPort port = PcapPort.open(in, dir.resolve("out.pcap"), PcapPortOptions.defaults().withPasses(4))) {
            PacketBatch batch = port.newBatch(64);
            for (int pass = 0; pass < 4; pass++) {
                long before = allocated();
                for (int i = 0; i < COUNT / 64; i++) {
                    port.receive(batch);
                    port.transmit(batch);
                }
                long bytes = allocated() - before;
                if (pass > 0) {
                    assertThat(bytes).as("bytes allocated receiving and writing %d packets", COUNT).isLessThan(COUNT);
                }
            }
        }
    }
}
