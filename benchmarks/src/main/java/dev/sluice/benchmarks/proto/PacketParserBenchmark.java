package dev.sluice.benchmarks.proto;

import dev.sluice.proto.PacketParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * {@link PacketParser#parse} per frame over a burst of 32 frames of one kind, each in its own 2 KiB
 * slot of one native segment (as in a UMEM); the result folds the offsets and ports so nothing is
 * dead code.
 * <ul>
 *   <li>{@code udp4}: Ethernet, IPv4, UDP;</li>
 *   <li>{@code qinqTcp4Options}: two VLAN tags, IPv4 with 4 bytes of options, TCP;</li>
 *   <li>{@code hbhUdp6}: Ethernet, IPv6, Hop-by-Hop, UDP.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PacketParserBenchmark {
    private static final int BURST = 32;
    private static final int SLOT = 2048;
    private static final String MACS = "020000000002020000000001";
    private static final String UDP = "9c4000350014000000000000000000000000000000000000";

    @Param({"udp4", "qinqTcp4Options", "hbhUdp6"})
    public String frame;

    private final PacketParser parser = new PacketParser();
    private MemorySegment umem;
    private int length;

    @Setup
    public void setup() {
        String hex = switch (frame) {
            case "udp4" -> MACS + "0800" + "4500002c12340000401100000a0000010a000002" + UDP;
            case "qinqTcp4Options" -> MACS + "88a80064" + "81000064" + "0800"
                    + "4600002c1234000040060000" + "0a0000010a000002" + "01010100"
                    + "9c400050" + "0000000100000000" + "50021000" + "00000000";
            case "hbhUdp6" -> MACS + "86dd" + "6000000000200040"
                    + "fd000000000000000000000000000001" + "fd000000000000000000000000000002"
                    + "1100000000000000" + UDP.replace("00140000", "00180000");
            default -> throw new IllegalArgumentException(frame);
        };
        byte[] bytes = HexFormat.of().parseHex(hex);
        length = bytes.length;
        umem = Arena.ofAuto().allocate((long) SLOT * BURST, 4096);
        for (int i = 0; i < BURST; i++) {
            MemorySegment.copy(bytes, 0, umem, ValueLayout.JAVA_BYTE, (long) i * SLOT, bytes.length);
        }
        if (parser.parse(umem, 0, length) != 0) {
            throw new IllegalStateException(frame + " does not parse: " + parser.result());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long parseBurst() {
        long sum = 0;
        for (int i = 0; i < BURST; i++) {
            sum += parser.parse(umem, (long) i * SLOT, length) + parser.l4Offset() + parser.destinationPort();
        }
        return sum;
    }
}
