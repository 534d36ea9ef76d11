package dev.sluice.drivers.pcap;

import dev.sluice.testing.RandomFrames;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Files written by {@link PcapWriter}, read back by tshark and capinfos. */
class PcapWriterTest {
    @TempDir
    Path dir;

    private static String mac(byte[] f, int at) {
        return HexFormat.ofDelimiter(":").formatHex(f, at, at + 6);
    }

    @ParameterizedTest
    @EnumSource(PcapWriter.Precision.class)
    void fiveThousandFramesReadBackByTsharkPacketByPacket(PcapWriter.Precision precision) throws IOException {
        int count = 5000;
        List<byte[]> frames = RandomFrames.frames(count, 21);
        long[] ts = RandomFrames.timestamps(count, 21);
        Path out = dir.resolve("out.pcap");
        try (PcapWriter w = PcapWriter.create(out, precision)) {
            for (int i = 0; i < count; i++) {
                w.write(frames.get(i), ts[i]);
            }
            assertThat(w.records()).isEqualTo(count);
        }
        boolean micros = precision == PcapWriter.Precision.MICROSECONDS;

        Map<String, String> info = CaptureTools.capinfos(out, "-c", "-t", "-E", "-l");
        assertThat(info).containsEntry("Number of packets", "5000").containsEntry("File type", micros ? "pcap" : "nsecpcap")
                .containsEntry("File encapsulation", "ether").containsEntry("Packet size limit", "262144");

        // occurrence=f: random payloads sometimes dissect as tunnels carrying an inner Ethernet header
        CaptureTools.Result fields = CaptureTools.exec("tshark", "-r", out.toString(), "-T", "fields", "-E", "occurrence=f",
                "-e", "frame.number", "-e", "frame.len", "-e", "eth.src", "-e", "eth.dst");
        assertThat(fields.exit()).isZero();
        assertThat(CaptureTools.complaints(fields.err())).isEmpty();
        String[] lines = fields.out().split("\n");
        assertThat(lines).hasSize(count);
        for (int i = 0; i < count; i++) {
            byte[] f = frames.get(i);
            assertThat(lines[i]).as("packet %d", i + 1)
                    .isEqualTo((i + 1) + "\t" + f.length + "\t" + mac(f, 6) + "\t" + mac(f, 0));
        }

        List<CaptureTools.Frame> read = CaptureTools.tshark(out);
        assertThat(read).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(read.get(i).data()).as("bytes of packet %d", i + 1).isEqualTo(frames.get(i));
            assertThat(read.get(i).timestampNanos()).as("time of packet %d", i + 1)
                    .isEqualTo(micros ? RandomFrames.micros(ts[i]) : ts[i]);
        }
    }

    @Test
    void packetsLongerThanTheSnapLengthAreCutAndKeepTheirLength() throws IOException {
        byte[] jumbo = RandomFrames.frame(new Random(1), 300_000);
        Path out = dir.resolve("jumbo.pcap");
        try (PcapWriter w = PcapWriter.create(out, PcapWriter.Precision.NANOSECONDS)) {
            w.write(jumbo, RandomFrames.BASE_NANOS);
            w.write(new byte[60], RandomFrames.BASE_NANOS + 1);
        }
        List<CaptureTools.Frame> read = CaptureTools.tshark(out);
        assertThat(read.get(0).length()).isEqualTo(300_000);
        assertThat(read.get(0).capturedLength()).isEqualTo(PcapWriter.SNAP_LENGTH);
        assertThat(read.get(0).data()).isEqualTo(java.util.Arrays.copyOf(jumbo, PcapWriter.SNAP_LENGTH));
        assertThat(read.get(1).length()).isEqualTo(60);
    }

    @Test
    void timestampsOutsideTheFormatAreClamped() throws IOException {
        Path out = dir.resolve("clamp.pcap");
        try (PcapWriter w = PcapWriter.create(out, PcapWriter.Precision.NANOSECONDS)) {
            w.write(new byte[60], -5);
            w.write(new byte[60], Long.MAX_VALUE);
        }
        List<CaptureTools.Frame> read = CaptureTools.tshark(out);
        assertThat(read.get(0).timestampNanos()).isZero();
        assertThat(read.get(1).timestampNanos()).isEqualTo(0xffff_ffffL * 1_000_000_000L + 999_999_999L);
    }

    @Test
    void writesPacketsInPlace() throws IOException {
        Path out = dir.resolve("packets.pcap");
        try (Arena arena = Arena.ofConfined(); PcapWriter w = PcapWriter.create(out, PcapWriter.Precision.MICROSECONDS)) {
            MemorySegment frames = arena.allocate(8192);
            PacketBatch batch = new PacketBatch(frames, 4);
            for (int i = 0; i < 4; i++) {
                batch.add(i * 2048L + 256, 64 + i);
                for (int b = 0; b < 64 + i; b++) {
                    frames.set(ValueLayout.JAVA_BYTE, i * 2048L + 256 + b, (byte) (i + b));
                }
            }
            for (int i = 0; i < 4; i++) {
                w.write(batch.packet(i), RandomFrames.BASE_NANOS + i * 1000L);
            }
            w.close();
            List<CaptureTools.Frame> read = CaptureTools.tshark(out);
            assertThat(read).hasSize(4);
            for (int i = 0; i < 4; i++) {
                assertThat(read.get(i).data()).isEqualTo(batch.packet(i).toArray());
            }
        }
    }

    @Test
    void writeErrorsAreReportedAndNeverRepeatRecords() throws IOException {
        Path out = dir.resolve("closed.pcap");
        PcapWriter w = PcapWriter.create(out, PcapWriter.Precision.MICROSECONDS);
        w.write(new byte[60], 1);
        w.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> w.write(new byte[60], 2))
                .isInstanceOf(IOException.class).hasMessageEndingWith("closed.pcap is closed");
        assertThat(CaptureTools.tshark(out)).hasSize(1);
        // /dev/full fails every write with ENOSPC: already the header cannot be written
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PcapWriter.create(Path.of("/dev/full"), PcapWriter.Precision.MICROSECONDS))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    }

    @Test
    void anEmptyCaptureIsValidFromTheStart() throws IOException {
        Path out = dir.resolve("empty.pcap");
        try (PcapWriter w = PcapWriter.create(out, PcapWriter.Precision.MICROSECONDS)) {
            assertThat(Files.size(out)).isEqualTo(24); // header written by create, before any packet
            assertThat(CaptureTools.tshark(out)).isEmpty();
        }
        assertThat(CaptureTools.capinfos(out, "-c")).containsEntry("Number of packets", "0");
    }

    /** Stopped after 1234 of 5000 frames (flushed while open, then closed): complete both times. */
    @Test
    void aWriterStoppedMidwayLeavesACompleteFile() throws IOException {
        List<byte[]> frames = RandomFrames.frames(1234, 3);
        Path out = dir.resolve("midway.pcap");
        try (PcapWriter w = PcapWriter.create(out, PcapWriter.Precision.NANOSECONDS, 0)) { // smallest buffer
            for (int i = 0; i < 1000; i++) {
                w.write(frames.get(i), RandomFrames.BASE_NANOS + i);
            }
            w.flush();
            assertThat(CaptureTools.tshark(out)).hasSize(1000); // no complaint while still open
            for (int i = 1000; i < 1234; i++) {
                w.write(frames.get(i), RandomFrames.BASE_NANOS + i);
            }
        }
        CaptureTools.Result r = CaptureTools.tsharkAllowingDamage(out);
        assertThat(r.exit()).isZero();
        assertThat(CaptureTools.complaints(r.err())).isEmpty();
        assertThat(CaptureTools.parse(r.out())).hasSize(1234);
        try (PcapReader in = PcapReader.open(out, true)) {
            assertThat(Record.drain(in)).hasSize(1234);
        }
    }

    /**
     * A writer killed with SIGKILL while writing: the file holds the header and whole records up
     * to at least the last flush the child reported, at most a partial last record; both tshark and
     * our reader read every whole record, and they are the right ones.
     */
    @Test
    void aKilledWriterLeavesEveryFlushedRecordWhole() throws Exception {
        Path out = dir.resolve("killed.pcap");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                WriterCrashChild.class.getName(), out.toString()).redirectErrorStream(true).start();
        int flushed = 0;
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("FLUSHED ")) {
                    flushed = Integer.parseInt(line.substring(8).trim());
                    if (flushed >= 3000) {
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no close(), no flush
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(flushed).as("child output").isGreaterThanOrEqualTo(3000);

        List<Record> ours;
        String problem;
        try (PcapReader in = PcapReader.open(out)) {
            ours = Record.drain(in);
            problem = in.problem();
        }
        assertThat(ours.size()).isGreaterThanOrEqualTo(flushed);
        for (int i = 0; i < ours.size(); i++) {
            assertThat(ours.get(i).data()).as("record %d", i).isEqualTo(WriterCrashChild.frame(i));
            assertThat(ours.get(i).timestampNanos()).isEqualTo(WriterCrashChild.timestamp(i));
        }
        if (problem != null) {
            assertThat(problem).startsWith("truncated record");
        }
        CaptureTools.Result r = CaptureTools.tsharkAllowingDamage(out);
        assertThat(CaptureTools.parse(r.out())).hasSize(ours.size());
        if (problem == null) {
            assertThat(CaptureTools.complaints(r.err())).isEmpty();
        } else {
            assertThat(CaptureTools.complaints(r.err())).contains("cut short in the middle of a packet");
        }
    }
}
