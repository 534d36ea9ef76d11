package dev.sluice.proto;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parsing, the header walk, classifying, counting, checksum verification, five-tuple swaps and
 * header rewrites allocate nothing:
 * measured with the JVM's per-thread allocation counter over a million packets after warm-up
 * (JMH's {@code -prof gc} will say the same in the benchmarks module).
 */
class ZeroAllocationTest {
    @Test
    void parseVerifyAndRewriteAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<byte[]> samples = List.copyOf(SampleFrames.all().values());
        int slot = 2048;
        MemorySegment umem = Arena.ofAuto().allocate((long) slot * samples.size());
        int[] lengths = new int[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            byte[] f = samples.get(i);
            MemorySegment.copy(f, 0, umem, ValueLayout.JAVA_BYTE, (long) i * slot, f.length);
            lengths[i] = f.length;
        }
        Worker w = new Worker(umem, slot, lengths);
        w.run(300_000); // warm-up: let C2 compile the loop
        long before = threads.getCurrentThreadAllocatedBytes();
        long sink = w.run(1_000_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(sink).isNotZero();
        assertThat(allocated).as("bytes allocated over 1M packets").isLessThan(1024);
    }

    /** What a worker does per packet; reuses one parser, one set of flyweights and one count array. */
    private static final class Worker {
        private final PacketParser parser = new PacketParser();
        private final long[] counts = new long[ParseResult.COUNT];
        private final Ipv4Header ip4 = new Ipv4Header();
        private final Ipv6Header ip6 = new Ipv6Header();
        private final TcpHeader tcp = new TcpHeader();
        private final UdpHeader udp = new UdpHeader();
        private final MemorySegment umem;
        private final int slot;
        private final int[] lengths;

        Worker(MemorySegment umem, int slot, int[] lengths) {
            this.umem = umem;
            this.slot = slot;
            this.lengths = lengths;
        }

        long run(int packets) {
            long sink = 0;
            for (int i = 0; i < packets; i++) {
                int k = i % lengths.length;
                int len = (i & 7) == 7 ? lengths[k] / 2 : lengths[k]; // some truncated ones too
                int code = parser.parse(umem, (long) k * slot, len);
                counts[code]++;
                // The walk and the five-tuple swap (twice: the frame is back as it was).
                sink += HeaderWalk.l4Offset(HeaderWalk.walk(umem, (long) k * slot, len));
                HeaderSwaps.swapFiveTuple(umem, (long) k * slot, len);
                HeaderSwaps.swapFiveTuple(umem, (long) k * slot, len);
                if (code != ParseResult.OK) {
                    continue;
                }
                sink += parser.verifyL4Checksum() + parser.sourcePort() + parser.l4Offset();
                long cs = parser.pseudoHeaderChecksumAt();
                if (parser.wrapIpv4(ip4)) {
                    int d = ip4.destinationAddress();
                    ip4.setDestinationAddressAndUpdateChecksums(d ^ 1, cs, parser.l4Protocol());
                    ip4.setDestinationAddressAndUpdateChecksums(d, cs, parser.l4Protocol());
                    sink += ip4.headerChecksumValid() ? 1 : 0;
                } else if (parser.wrapIpv6(ip6)) {
                    long hi = ip6.destinationHigh();
                    long lo = ip6.destinationLow();
                    ip6.setDestinationAddressAndUpdateChecksum(hi, lo ^ 1, cs, parser.l4Protocol());
                    ip6.setDestinationAddressAndUpdateChecksum(hi, lo, cs, parser.l4Protocol());
                }
                if (parser.wrapTcp(tcp)) {
                    sink += tcp.flags();
                } else if (parser.wrapUdp(udp)) {
                    sink += udp.length();
                }
            }
            return sink + counts[ParseResult.OK];
        }
    }
}
