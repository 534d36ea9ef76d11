package dev.sluice.drivers.pcap;

import dev.sluice.testing.RandomFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Damaged captures: cut at every offset, lengths and magics corrupted, random bytes flipped. The
 * reader fails at open for a bad header, delivers every complete packet before damage further on,
 * then reports it (lenient) or throws {@link PcapFormatException} with the offset (strict); it never
 * throws anything else and never reads outside the file (the mapped segment would throw
 * IndexOutOfBoundsException if it tried).
 */
class PcapDamageTest {
    @TempDir
    Path dir;

    private final List<byte[]> frames = RandomFrames.frames(40, 11);
    private final long[] timestamps = RandomFrames.timestamps(40, 11);

    /** Offsets where each record or block ends: a cut there leaves a sound, shorter file. */
    private static List<Long> boundaries(byte[] file, boolean pcapng) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> ends = new ArrayList<>();
        int p = pcapng ? 0 : 24;
        ends.add((long) p);
        while (p < file.length) {
            p += pcapng ? b.getInt(p + 4) : 16 + b.getInt(p + 8);
            ends.add((long) p);
        }
        return ends;
    }

    /** Offsets where each packet record or block ends, walking the file by its length fields (little-endian). */
    private static List<Long> packetEnds(byte[] file, boolean pcapng) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> ends = new ArrayList<>();
        if (!pcapng) {
            for (int p = 24; p < file.length; p += 16 + b.getInt(p + 8)) {
                ends.add((long) p + 16 + b.getInt(p + 8));
            }
        } else {
            for (int p = 0; p < file.length; p += b.getInt(p + 4)) {
                if (b.getInt(p) == PcapngDescriptor.ENHANCED_PACKET_BLOCK) {
                    ends.add((long) p + b.getInt(p + 4));
                }
            }
        }
        return ends;
    }

    /** Start of the first block or record that does not end by {@code cut}. */
    private static long firstIncomplete(byte[] file, boolean pcapng, long cut) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long p = pcapng ? 0 : 24;
        while (p < cut) {
            long end = pcapng ? p + b.getInt((int) p + 4) : p + 16 + b.getInt((int) p + 8);
            if (end > cut) {
                return p;
            }
            p = end;
        }
        return p;
    }

    private Path original(String format) throws IOException {
        Path dump = CaptureTools.hexDump(dir.resolve("frames.txt"), frames, timestamps);
        return CaptureTools.text2pcap(dump, dir.resolve("original." + format), format);
    }

    private Path cut(byte[] bytes, int length) throws IOException {
        return Files.write(dir.resolve("cut"), Arrays.copyOf(bytes, length));
    }

    @Test
    void pcapCutAtManyOffsets() throws IOException {
        cutAtEveryOffset(original("pcap"), false, 24);
    }

    @Test
    void pcapngCutAtManyOffsets() throws IOException {
        byte[] bytes = Files.readAllBytes(original("pcapng"));
        int shbLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        cutAtEveryOffset(original("pcapng"), true, shbLength);
    }

    /**
     * Every offset up to the end of the third record (headers, first records), the two bytes on
     * either side of every record boundary, and every 13th offset elsewhere.
     */
    private static java.util.SortedSet<Integer> cutOffsets(int size, List<Long> boundaries) {
        java.util.SortedSet<Integer> cuts = new java.util.TreeSet<>();
        int dense = (int) Math.min(size, boundaries.get(Math.min(3, boundaries.size() - 1)) + 1);
        for (int i = 0; i < dense; i++) {
            cuts.add(i);
        }
        for (long b : boundaries) {
            for (long i = b - 2; i <= b + 2; i++) {
                if (i >= 0 && i < size) {
                    cuts.add((int) i);
                }
            }
        }
        for (int i = 0; i < size; i += 13) {
            cuts.add(i);
        }
        return cuts;
    }

    private void cutAtEveryOffset(Path original, boolean pcapng, int headerLength) throws IOException {
        byte[] bytes = Files.readAllBytes(original);
        List<Record> all = Record.readAll(original);
        assertThat(all).hasSize(frames.size());
        List<Long> ends = packetEnds(bytes, pcapng);
        List<Long> boundaries = boundaries(bytes, pcapng);
        for (int length : cutOffsets(bytes.length, boundaries)) {
            Path f = cut(bytes, length);
            if (length < headerLength) {
                Throwable t = catchThrowable(() -> PcapReader.open(f).close());
                assertThat(t).as("cut at %d", length).isInstanceOf(PcapFormatException.class);
                assertThat(((PcapFormatException) t).offset()).isZero();
                assertThat(t.getMessage()).containsAnyOf("not a pcap or pcapng file", "truncated");
                continue;
            }
            final int cutAt = length;
            long complete = ends.stream().filter(e -> e <= cutAt).count();
            boolean atBoundary = boundaries.contains((long) length);
            try (PcapReader lenient = PcapReader.open(f)) {
                List<Record> got = Record.drain(lenient);
                assertThat(got).as("cut at %d", length).hasSize((int) complete);
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i).data()).isEqualTo(all.get(i).data());
                    assertThat(got.get(i).timestampNanos()).isEqualTo(all.get(i).timestampNanos());
                }
                if (atBoundary) {
                    assertThat(lenient.problem()).as("cut at %d", length).isNull();
                } else {
                    assertThat(lenient.problem()).as("cut at %d", length).contains("truncated")
                            .contains("offset " + lenient.problemOffset());
                    assertThat(lenient.problemOffset()).isEqualTo(firstIncomplete(bytes, pcapng, length));
                    assertThat(lenient.problems()).isEqualTo(1);
                    assertThat(lenient.next()).isFalse(); // stays at the end
                }
            }
            try (PcapReader strict = PcapReader.open(f, true)) {
                int n = 0;
                Throwable t = null;
                try {
                    while (strict.next()) {
                        n++;
                    }
                } catch (PcapFormatException e) {
                    t = e;
                }
                assertThat(n).isEqualTo(complete);
                if (atBoundary) {
                    assertThat(t).isNull();
                } else {
                    assertThat(t).isNotNull();
                    assertThat(((PcapFormatException) t).offset()).isEqualTo(firstIncomplete(bytes, pcapng, length));
                    assertThatThrownBy(strict::next).isInstanceOf(PcapFormatException.class); // and again
                }
            }
        }
    }

    /** tshark, cut at the same places, stops at the same packet as we do. */
    @Test
    void cutFilesDeliverWhatTsharkDelivers() throws IOException {
        for (String format : List.of("pcap", "pcapng")) {
            byte[] bytes = Files.readAllBytes(original(format));
            Random rnd = new Random(5);
            for (int k = 0; k < 6; k++) {
                int length = bytes.length / 3 + rnd.nextInt(bytes.length * 2 / 3);
                Path f = cut(bytes, length);
                List<CaptureTools.Frame> theirs = CaptureTools.parse(CaptureTools.tsharkAllowingDamage(f).out());
                List<Record> ours = Record.readAll(f);
                assertThat(ours).as("%s cut at %d", format, length).hasSameSizeAs(theirs);
                for (int i = 0; i < ours.size(); i++) {
                    assertThat(ours.get(i).data()).isEqualTo(theirs.get(i).data());
                }
            }
        }
    }

    @Test
    void notACapture() throws IOException {
        assertOpenFails(new byte[0], "not a pcap or pcapng file: it is empty");
        assertOpenFails(new byte[] {1, 2}, "not a pcap or pcapng file: only 2 bytes long");
        assertOpenFails(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, "not a pcap or pcapng file: magic 0x7f454c46");
        assertOpenFails(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0}, "magic 0x1f8b0800 (gzip-compressed? decompress it first)");
        Path text = Files.writeString(dir.resolve("t.txt"), "hello, this is text\n");
        assertThatThrownBy(() -> PcapReader.open(text)).isInstanceOf(PcapFormatException.class)
                .hasMessage("not a pcap or pcapng file: magic 0x68656c6c");
    }

    @Test
    void badClassicHeaders() throws IOException {
        byte[] header = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, 1).bytes();
        header[4] = 3; // version 3.4
        assertOpenFails(header, "unsupported pcap version 3.4 (expected 2.4)");
        assertOpenFails(Arrays.copyOf(header, 10), "truncated pcap file header: 10 of 24 bytes");
    }

    @Test
    void badSectionHeaders() throws IOException {
        byte[] good = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 0, -1, 0).bytes();
        byte[] magic = good.clone();
        magic[8] = 0x11;
        assertOpenFails(magic, "section header block at offset 0: byte-order magic 0x113c2b1a is neither 1a2b3c4d nor 4d3c2b1a");
        byte[] version = good.clone();
        version[12] = 2;
        assertOpenFails(version, "unsupported pcapng version 2.0");
        byte[] odd = good.clone();
        odd[4] += 1;
        assertOpenFails(odd, "block at offset 0 has length 49, not a multiple of 4");
        byte[] trailing = good.clone();
        trailing[44] += 4;
        assertOpenFails(trailing, "block at offset 0: trailing length 52 differs from its length 48");
    }

    private void assertOpenFails(byte[] bytes, String message) throws IOException {
        Path f = Files.write(dir.resolve("bad"), bytes);
        assertThatThrownBy(() -> PcapReader.open(f)).isInstanceOf(PcapFormatException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((PcapFormatException) e).offset()).isGreaterThanOrEqualTo(0));
    }

    /** Damage in the middle of a file: the packets before it, then the problem, with its offset. */
    private void assertDamagedAt(byte[] bytes, int packetsBefore, long offset, String message) throws IOException {
        Path f = Files.write(dir.resolve("damaged"), bytes);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(Record.drain(r)).hasSize(packetsBefore);
            assertThat(r.problem()).contains(message);
            assertThat(r.problemOffset()).isEqualTo(offset);
        }
        try (PcapReader r = PcapReader.open(f, true)) {
            for (int i = 0; i < packetsBefore; i++) {
                assertThat(r.next()).isTrue();
            }
            assertThatThrownBy(r::next).isInstanceOf(PcapFormatException.class).hasMessageContaining(message)
                    .satisfies(e -> assertThat(((PcapFormatException) e).offset()).isEqualTo(offset));
        }
    }

    @Test
    void classicLengthsThatCannotBeRight() throws IOException {
        CaptureBuilder b = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, true, 1000, 1);
        for (int i = 0; i < 10; i++) {
            b.record(timestamps[i], frames.get(i).length > 1000 ? Arrays.copyOf(frames.get(i), 1000) : frames.get(i), 1500);
        }
        byte[] bytes = b.bytes();
        int third = (int) (long) b.packetEnds.get(2);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

        byte[] overSnap = bytes.clone();
        ByteBuffer.wrap(overSnap).order(ByteOrder.LITTLE_ENDIAN).putInt(third + 8, 1001);
        assertDamagedAt(overSnap, 3, third, "record at offset " + third + ": captured length 1001 exceeds the file's snapshot length 1000");

        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(third + 8, -1);
        assertDamagedAt(huge, 3, third, "captured length 4294967295 exceeds");

        int last = (int) (long) b.packetEnds.get(8);
        byte[] beyondFile = bytes.clone();
        ByteBuffer.wrap(beyondFile).order(ByteOrder.LITTLE_ENDIAN).putInt(last + 8, bb.getInt(last + 8) + 1);
        assertDamagedAt(beyondFile, 9, last, "truncated record at offset " + last);
    }

    @Test
    void pcapngLengthsThatCannotBeRight() throws IOException {
        Random rnd = new Random(1);
        CaptureBuilder b = CaptureBuilder.pcapng().section(ByteOrder.BIG_ENDIAN).iface(1, 200, 9, 0);
        for (int i = 0; i < 6; i++) {
            b.epb(0, 1_000_000_000L * i, RandomFrames.frame(rnd, 100 + i), 100 + i);
        }
        byte[] bytes = b.bytes();
        int second = (int) (long) b.packetEnds.get(0);
        int secondLength = b.packetEnds.get(1).intValue() - second;

        byte[] notMultipleOf4 = bytes.clone();
        ByteBuffer.wrap(notMultipleOf4).putInt(second + 4, secondLength + 2);
        assertDamagedAt(notMultipleOf4, 1, second, "block at offset " + second + " has length " + (secondLength + 2) + ", not a multiple of 4");

        byte[] trailing = bytes.clone();
        ByteBuffer.wrap(trailing).putInt(second + secondLength - 4, secondLength + 4);
        assertDamagedAt(trailing, 1, second, "trailing length " + (secondLength + 4) + " differs from its length " + secondLength);

        byte[] zero = bytes.clone();
        ByteBuffer.wrap(zero).putInt(second + 4, 0);
        assertDamagedAt(zero, 1, second, "has length 0, less than the 32 bytes its type needs");

        byte[] beyondFile = bytes.clone();
        ByteBuffer.wrap(beyondFile).putInt(second + 4, 1 << 30);
        assertDamagedAt(beyondFile, 1, second, "truncated block at offset " + second + ": its length is 1073741824 bytes");

        byte[] overrun = bytes.clone();
        ByteBuffer.wrap(overrun).putInt(second + 20, secondLength);
        assertDamagedAt(overrun, 1, second, "captured length " + secondLength + " overruns its block");

        byte[] interfaceId = bytes.clone();
        ByteBuffer.wrap(interfaceId).putInt(second + 8, 3);
        assertDamagedAt(interfaceId, 1, second, "names interface 3 but its section defines 1");

        CaptureBuilder snap = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 64, -1, 0)
                .epb(0, 1, new byte[60], 60).epb(0, 2, new byte[65], 65);
        assertDamagedAt(snap.bytes(), 1, snap.packetEnds.get(0), "captured length 65 exceeds the snapshot length 64 of interface 0");
    }

    /** Length of the Section Header Block CaptureBuilder writes. */
    private static final int SHB = 48;

    @Test
    void pcapngDamagedInterfaceAndSection() throws IOException {
        CaptureBuilder b = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 0, -1, 0)
                .epb(0, 1, new byte[60], 60);
        int secondSection = b.bytes().length;
        b.section(ByteOrder.BIG_ENDIAN).iface(1, 0, 0x80 | 70, 0).epb(0, 1, new byte[60], 60);
        byte[] bytes = b.bytes();
        int idb = secondSection + SHB;
        assertDamagedAt(bytes, 1, idb, "timestamp resolution 2^-70 s is not supported");

        byte[] magic = bytes.clone();
        magic[secondSection + 8] = 0;
        assertDamagedAt(magic, 1, secondSection, "section header block at offset " + secondSection + ": byte-order magic 0x002b3c4d is neither");

        byte[] option = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 0, 6, 0).bytes();
        // the first option (if_name, "eth-test": 8 bytes) claims 200 bytes
        ByteBuffer.wrap(option).order(ByteOrder.LITTLE_ENDIAN).putShort(SHB + 16 + 2, (short) 200);
        assertDamagedAt(option, 0, SHB, "option 2 at offset " + (SHB + 16) + " (200 bytes) overruns the block");

        byte[] simple = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).spb(new byte[60], 60).bytes();
        assertDamagedAt(simple, 0, SHB, "simple packet block at offset " + SHB + " but its section defines no interface");
    }

    /**
     * Thousands of random corruptions of a pcap and a pcapng file: opening either works or throws
     * PcapFormatException; reading (lenient and strict) ends, throwing nothing but
     * PcapFormatException, and never reports a packet that does not lie wholly inside the file.
     */
    @Test
    void randomCorruptionNeverEscapesTheFileOrTheDocumentedException() throws IOException {
        Random rnd = new Random(99);
        byte[] pcap = Files.readAllBytes(original("pcap"));
        byte[] pcapng = Files.readAllBytes(original("pcapng"));
        byte[] multi = CaptureBuilder.pcapng().section(ByteOrder.BIG_ENDIAN).iface(1, 0, 0x80 | 30, 0)
                .epb(0, 77, new byte[61], 61).spb(new byte[40], 40).opb(0, 5, new byte[70], 70)
                .section(ByteOrder.LITTLE_ENDIAN).iface(1, 100, 3, 10).epb(0, 5, new byte[99], 99).bytes();
        int opened = 0;
        for (int iteration = 0; iteration < 6000; iteration++) {
            byte[] base = switch (iteration % 3) {
                case 0 -> pcap;
                case 1 -> pcapng;
                default -> multi;
            };
            byte[] bytes = base.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = rnd.nextInt(Math.min(bytes.length, rnd.nextBoolean() ? 200 : bytes.length));
                bytes[at] = (byte) (rnd.nextInt(8) == 0 ? 0xff : rnd.nextInt(256));
            }
            if (rnd.nextInt(4) == 0) {
                bytes = Arrays.copyOf(bytes, rnd.nextInt(bytes.length + 1));
            }
            Path f = Files.write(dir.resolve("fuzz"), bytes);
            for (boolean strict : new boolean[] {false, true}) {
                PcapReader r;
                try {
                    r = PcapReader.open(f, strict);
                } catch (PcapFormatException expected) {
                    continue;
                }
                opened++;
                try (r) {
                    int n = 0;
                    while (r.next()) {
                        assertThat(r.dataOffset() + r.capturedLength()).isLessThanOrEqualTo(bytes.length);
                        assertThat(r.capturedLength()).isNotNegative();
                        r.dataArray();
                        assertThat(++n).isLessThanOrEqualTo(bytes.length / 12);
                    }
                } catch (PcapFormatException expected) {
                    assertThat(strict).isTrue();
                    assertThat(expected.offset()).isBetween(0L, (long) bytes.length);
                }
            }
        }
        assertThat(opened).isGreaterThan(1000);
    }
}
