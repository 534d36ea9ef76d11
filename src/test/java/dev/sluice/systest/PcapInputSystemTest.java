package dev.sluice.systest;

import dev.sluice.drivers.pcap.PcapReader;
import dev.sluice.drivers.pcap.PcapWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fwd --driver pcap} with the captures users actually have: the output named as the input,
 * nanosecond timestamps, GRO/TSO frames longer than a UMEM frame, a capture that is not Ethernet.
 * Nothing is destroyed, nothing cut without a line saying so, every refusal one line.
 */
class PcapInputSystemTest {
    private static final long T0 = 1_700_000_000_123_456_789L;

    @TempDir
    Path dir;

    private static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 31 + seed);
        }
        f[0] = 0x02; // unicast
        f[12] = 0x08;
        f[13] = 0x00;
        return f;
    }

    private Path capture(String name, PcapWriter.Precision precision, int... lengths) throws Exception {
        Path file = dir.resolve(name);
        try (PcapWriter w = PcapWriter.create(file, precision)) {
            for (int i = 0; i < lengths.length; i++) {
                w.write(frame(lengths[i], i), T0 + i * 1_001L);
            }
        }
        return file;
    }

    private static Cli.Result fwd(Path in, Path out, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("fwd", "--driver", "pcap", "--in", in.toString(), "--mode", "io",
                "--warmup-ms", "0"));
        if (out != null) {
            args.addAll(List.of("--out", out.toString()));
        }
        args.addAll(List.of(more));
        return Cli.run(List.of(), 120, args.toArray(String[]::new));
    }

    @Test
    void theInputAsOutputIsRefusedAndTheCaptureKept() throws Exception {
        Path in = capture("s.pcap", PcapWriter.Precision.MICROSECONDS, 60, 100, 1514);
        byte[] before = Files.readAllBytes(in);
        CliMistakesTest.assertOneClearLine(fwd(in, in), "--out " + in + " is the --in capture");
        Path link = Files.createSymbolicLink(dir.resolve("link.pcap"), in);
        CliMistakesTest.assertOneClearLine(fwd(in, link), "is the --in capture " + in + " (through a link)");
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }

    @Test
    void nanosecondTimestampsStayNanoseconds() throws Exception {
        Path in = capture("ns.pcap", PcapWriter.Precision.NANOSECONDS, 60, 61, 62);
        Path out = dir.resolve("out.pcap");
        Cli.Result r = fwd(in, out);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        try (PcapReader reader = PcapReader.open(out)) {
            assertThat(reader.nanosecondFile()).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(reader.next()).isTrue();
                assertThat(reader.timestampNanos()).isEqualTo(T0 + i * 1_001L);
            }
        }
    }

    @Test
    void framesAreSizedFromTheCapture() throws Exception {
        // 3000-byte frames (a host with GRO) fit 4096-byte UMEM frames: taken without being asked.
        Path in = capture("gro.pcap", PcapWriter.Precision.MICROSECONDS, 60, 3000, 3800);
        Path out = dir.resolve("out.pcap");
        Cli.Result r = fwd(in, out);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(CliSystemTest.summary(r.out())).containsEntry("tx_packets", "3").doesNotContainKey("truncated");
        try (PcapReader reader = PcapReader.open(out)) {
            for (int length : new int[] {60, 3000, 3800}) {
                assertThat(reader.next()).isTrue();
                assertThat(reader.capturedLength()).isEqualTo(length);
            }
        }
        // A frame size the user chose is kept: the message names the one that works.
        CliMistakesTest.assertOneClearLine(fwd(in, dir.resolve("o2.pcap"), "--frame-size", "2048"),
                "packets of up to 3800 bytes", "rerun with --frame-size 4096");
    }

    @Test
    void packetsLongerThanTheLargestFrameAreRefusedOrCutWithALineSayingSo() throws Exception {
        Path in = capture("tso.pcap", PcapWriter.Precision.MICROSECONDS, 60, 9000, 65000);
        Path out = dir.resolve("out.pcap");
        CliMistakesTest.assertOneClearLine(fwd(in, out), "holds 2 packets longer than the 3840 bytes", "--truncate");
        assertThat(out).doesNotExist();

        Cli.Result r = fwd(in, out, "--truncate");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.err().lines().filter(l -> l.contains("2 packets of " + in + " longer than 3840 bytes will be cut")))
                .as(r.err()).hasSize(1);
        assertThat(CliSystemTest.summary(r.out())).containsEntry("truncated", "2").containsEntry("tx_packets", "3");
        try (PcapReader reader = PcapReader.open(out)) {
            int[][] expected = {{60, 60}, {3840, 9000}, {3840, 65000}};
            for (int[] e : expected) {
                assertThat(reader.next()).isTrue();
                assertThat(reader.capturedLength()).isEqualTo(e[0]);
                assertThat(reader.originalLength()).as("the wire length survives the cut").isEqualTo(e[1]);
            }
        }
    }

    @Test
    void aCaptureThatIsNotEthernetIsOneLine() throws Exception {
        // Linux cooked capture (tcpdump -i any): link type 113, one 16-byte-header packet.
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(113);
        b.putInt(1_700_000_000).putInt(0).putInt(40).putInt(40).put(new byte[40]);
        Path in = Files.write(dir.resolve("any.pcap"), b.array());
        Path out = dir.resolve("out.pcap");
        CliMistakesTest.assertOneClearLine(fwd(in, out), "has link type 113 (Linux cooked v1), not Ethernet", "-i any");
        assertThat(out).doesNotExist();
    }
}
