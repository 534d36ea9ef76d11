package dev.sluice.systest;

import dev.sluice.drivers.pcap.PcapReader;
import dev.sluice.drivers.pcap.PcapWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice fwd --driver pcap}: a capture processed offline (no privileges), checked packet by
 * packet with tshark; damaged input gives a clear error and a complete, valid output file.
 */
class PcapFwdSystemTest {
    private static final int PACKETS = 5000;
    private static final long T0 = 1_700_000_000_123_456_000L;

    /** Varied frames: random MACs, IPv4 UDP/TCP and ARP, lengths 60..1514, increasing timestamps. */
    private static List<byte[]> writeCapture(Path file) throws Exception {
        Random rnd = new Random(7);
        List<byte[]> frames = new ArrayList<>();
        try (PcapWriter w = PcapWriter.create(file, PcapWriter.Precision.NANOSECONDS)) {
            for (int i = 0; i < PACKETS; i++) {
                int len = 60 + rnd.nextInt(1455);
                byte[] f = new byte[len];
                rnd.nextBytes(f);
                f[0] &= (byte) 0xFE; // unicast destination
                int kind = i % 3;
                f[12] = kind == 2 ? (byte) 0x08 : (byte) 0x08;
                f[13] = kind == 2 ? (byte) 0x06 : (byte) 0x00;
                if (kind != 2) {
                    f[14] = 0x45;
                    f[23] = (byte) (kind == 0 ? 17 : 6);
                }
                frames.add(f);
                w.write(f, T0 + i * 1_000L);
            }
        }
        return frames;
    }

    private static List<String[]> tshark(Path file) throws Exception {
        Process p = new ProcessBuilder("tshark", "-r", file.toString(), "-T", "fields", "-e", "frame.time_epoch",
                "-e", "frame.len", "-e", "eth.src", "-e", "eth.dst").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tshark reads " + file).isZero();
        List<String[]> rows = new ArrayList<>();
        out.lines().forEach(l -> rows.add(l.split("\t")));
        return rows;
    }

    @Test
    void offlineMacswapOfThousandsOfPacketsVerifiedWithTshark(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pcap");
        Path out = dir.resolve("out.pcap");
        List<byte[]> frames = writeCapture(in);
        Cli.Result r = Cli.run(List.of(), 120, "fwd", "--driver", "pcap", "--in", in.toString(), "--out", out.toString(),
                "--mode", "macswap");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(CliSystemTest.summary(r.out())).containsEntry("rx_packets", "" + PACKETS).containsEntry("tx_packets", "" + PACKETS);

        List<String[]> before = tshark(in);
        List<String[]> after = tshark(out);
        assertThat(after).hasSize(PACKETS);
        for (int i = 0; i < PACKETS; i++) {
            String[] b = before.get(i);
            String[] a = after.get(i);
            assertThat(a[0]).as("timestamp of packet " + i).isEqualTo(b[0]);
            assertThat(a[1]).as("length of packet " + i).isEqualTo(b[1]);
            assertThat(a[2]).as("source MAC of packet " + i).isEqualTo(b[3]);
            assertThat(a[3]).as("destination MAC of packet " + i).isEqualTo(b[2]);
        }
        // Beyond the MACs, every byte is unchanged.
        try (PcapReader reader = PcapReader.open(out)) {
            int i = 0;
            while (reader.next()) {
                byte[] got = reader.dataArray();
                byte[] sent = frames.get(i++);
                assertThat(java.util.Arrays.copyOfRange(got, 12, got.length))
                        .isEqualTo(java.util.Arrays.copyOfRange(sent, 12, sent.length));
            }
            assertThat(i).isEqualTo(PACKETS);
        }
    }

    @Test
    void aTruncatedCaptureIsReportedAndTheOutputIsComplete(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.pcap");
        Path cut = dir.resolve("cut.pcap");
        Path out = dir.resolve("out.pcap");
        writeCapture(in);
        long size = Files.size(in);
        Files.copy(in, cut);
        try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            ch.truncate(size / 2 + 7); // in the middle of some record
        }
        Cli.Result r = Cli.run(List.of(), 120, "fwd", "--driver", "pcap", "--in", cut.toString(), "--out", out.toString(),
                "--mode", "io");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("is damaged").doesNotContain("\tat ");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
        long processed = Long.parseLong(CliSystemTest.summary(r.out()).get("tx_packets"));
        assertThat(processed).isBetween(1L, (long) PACKETS - 1);
        // Nothing written is corrupt: tshark reads every record the summary counted, no complaint.
        Path err = dir.resolve("tshark.err");
        Process p = new ProcessBuilder("tshark", "-r", out.toString()).redirectError(err.toFile()).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String complaints = Files.readString(err);
        assertThat(p.exitValue()).as(complaints).isZero();
        assertThat(complaints).doesNotContain("cut short").doesNotContain("damaged");
        assertThat(text.lines().count()).isEqualTo(processed);
    }

    @Test
    void notACaptureIsOneClearLine(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.pcap");
        Files.writeString(junk, "this is not a capture file, just text that is long enough");
        Cli.Result r = Cli.run(List.of(), 60, "fwd", "--driver", "pcap", "--in", junk.toString(), "--mode", "io");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("not a pcap or pcapng file").doesNotContain("\tat ");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
    }
}
