package dev.sluice.drivers.pcap;

import dev.sluice.testing.RandomFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Captures written by the Wireshark tools (text2pcap, editcap, mergecap) and by hand (big-endian,
 * multi-section pcapng), read by {@link PcapReader} and compared packet by packet, byte by byte
 * and to the nanosecond with what tshark reads from the same file.
 */
class PcapReaderTest {
    private static final int COUNT = 300;

    @TempDir
    Path dir;

    private final List<byte[]> frames = RandomFrames.frames(COUNT, 7);
    private final long[] timestamps = RandomFrames.timestamps(COUNT, 7);

    private Path dump() throws IOException {
        return CaptureTools.hexDump(dir.resolve("frames.txt"), frames, timestamps);
    }

    /** Our reader and tshark agree on every packet, and both agree with what was written. */
    private List<Record> assertSameAsTshark(Path file, boolean micros, PcapReader.Format format) throws IOException {
        List<CaptureTools.Frame> expected = CaptureTools.tshark(file);
        List<Record> actual;
        try (PcapReader r = PcapReader.open(file, true)) {
            assertThat(r.format()).isEqualTo(format);
            actual = Record.drain(r);
            assertThat(r.problem()).isNull();
        }
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            Record a = actual.get(i);
            CaptureTools.Frame e = expected.get(i);
            assertThat(a.timestampNanos()).as("timestamp of packet %d", i).isEqualTo(e.timestampNanos());
            assertThat(a.capturedLength()).as("captured length of packet %d", i).isEqualTo(e.capturedLength());
            assertThat(a.originalLength()).as("length of packet %d", i).isEqualTo(e.length());
            assertThat(a.data()).as("bytes of packet %d", i).isEqualTo(e.data());
        }
        return actual;
    }

    private void assertSameAsWritten(List<Record> actual, boolean micros, int snap) {
        assertThat(actual).hasSize(COUNT);
        for (int i = 0; i < COUNT; i++) {
            byte[] f = frames.get(i);
            Record a = actual.get(i);
            assertThat(a.timestampNanos()).isEqualTo(micros ? RandomFrames.micros(timestamps[i]) : timestamps[i]);
            assertThat(a.originalLength()).isEqualTo(f.length);
            assertThat(a.data()).isEqualTo(java.util.Arrays.copyOf(f, Math.min(f.length, snap)));
            assertThat(a.linkType()).isEqualTo(LinkType.ETHERNET);
        }
    }

    @Test
    void text2pcapMicrosecondPcap() throws IOException {
        Path f = CaptureTools.text2pcap(dump(), dir.resolve("a.pcap"), "pcap");
        List<Record> records = assertSameAsTshark(f, true, PcapReader.Format.PCAP);
        assertSameAsWritten(records, true, Integer.MAX_VALUE);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(r.nanosecondFile()).isFalse();
            assertThat(r.snapLength()).isEqualTo(262144);
        }
    }

    @Test
    void text2pcapNanosecondPcap() throws IOException {
        Path f = CaptureTools.text2pcap(dump(), dir.resolve("n.pcap"), "nsecpcap");
        assertSameAsWritten(assertSameAsTshark(f, false, PcapReader.Format.PCAP), false, Integer.MAX_VALUE);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.nanosecondFile()).isTrue();
        }
    }

    @Test
    void text2pcapPcapngWithNanosecondResolution() throws IOException {
        Path f = CaptureTools.text2pcap(dump(), dir.resolve("a.pcapng"), "pcapng");
        assertSameAsWritten(assertSameAsTshark(f, false, PcapReader.Format.PCAPNG), false, Integer.MAX_VALUE);
    }

    @Test
    void editcapConversionsBetweenFormatsAndPrecisions() throws IOException {
        Path ns = CaptureTools.text2pcap(dump(), dir.resolve("n.pcap"), "nsecpcap");
        Path us = CaptureTools.editcap(ns, dir.resolve("u.pcap"), "-F", "pcap");
        assertSameAsWritten(assertSameAsTshark(us, true, PcapReader.Format.PCAP), true, Integer.MAX_VALUE);
        // pcapng from a microsecond pcap: no if_tsresol option, the default (microseconds) applies
        Path ngUs = CaptureTools.editcap(us, dir.resolve("u.pcapng"), "-F", "pcapng");
        assertSameAsWritten(assertSameAsTshark(ngUs, true, PcapReader.Format.PCAPNG), true, Integer.MAX_VALUE);
        Path ngNs = CaptureTools.editcap(ns, dir.resolve("n.pcapng"), "-F", "pcapng");
        assertSameAsWritten(assertSameAsTshark(ngNs, false, PcapReader.Format.PCAPNG), false, Integer.MAX_VALUE);
        Path back = CaptureTools.editcap(ngNs, dir.resolve("back.pcap"), "-F", "nsecpcap");
        assertSameAsWritten(assertSameAsTshark(back, false, PcapReader.Format.PCAP), false, Integer.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pcap", "nsecpcap", "pcapng"})
    void packetsCutByTheSnapshotLengthKeepTheirOriginalLength(String format) throws IOException {
        Path full = CaptureTools.text2pcap(dump(), dir.resolve("full"), "nsecpcap");
        Path cut = CaptureTools.editcap(full, dir.resolve("cut." + format), "-F", format, "-s", "100");
        List<Record> records = assertSameAsTshark(cut, format.equals("pcap"),
                format.equals("pcapng") ? PcapReader.Format.PCAPNG : PcapReader.Format.PCAP);
        assertSameAsWritten(records, format.equals("pcap"), 100);
        assertThat(records).anySatisfy(r -> assertThat(r.capturedLength()).isLessThan(r.originalLength()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bigEndianClassicPcap(boolean nanos) throws IOException {
        CaptureBuilder b = CaptureBuilder.pcap(ByteOrder.BIG_ENDIAN, nanos, 262144, LinkType.ETHERNET);
        for (int i = 0; i < COUNT; i++) {
            b.record(timestamps[i], frames.get(i), frames.get(i).length);
        }
        Path f = b.write(dir.resolve("be.pcap"));
        assertSameAsWritten(assertSameAsTshark(f, !nanos, PcapReader.Format.PCAP), !nanos, Integer.MAX_VALUE);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(r.nanosecondFile()).isEqualTo(nanos);
        }
    }

    /**
     * Two sections (little-endian, then big-endian) with interfaces of several timestamp
     * resolutions (decimal, binary, an offset), Simple and Obsolete Packet Blocks, a raw-IP
     * interface and blocks of unknown types: tshark and our reader see the same packets.
     */
    @Test
    void multiSectionPcapngInBothByteOrders() throws IOException {
        Random rnd = new Random(3);
        CaptureBuilder b = CaptureBuilder.pcapng();
        b.section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.ETHERNET, 262144, 9, 0)          // 0: nanoseconds
                .iface(LinkType.ETHERNET, 0, 0x80 | 20, 0)      // 1: 2^-20 s
                .iface(LinkType.RAW, 65535, -1, 0)              // 2: raw IP, microseconds by default
                .block(0x00000004, new byte[] {0, 0, 0, 0}, false); // name resolution block: skipped
        long t = 1_700_000_000L;
        b.epb(0, t * 1_000_000_000L + 123_456_789L, RandomFrames.frame(rnd, 60), 60);
        b.epb(1, (t << 20) | 0xABCDE, RandomFrames.frame(rnd, 99), 99);
        b.epb(2, t * 1_000_000L + 1, new byte[] {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}, 20);
        b.opb(0, t * 1_000_000_000L + 5, RandomFrames.frame(rnd, 70), 70);
        b.block(0x00000099, new byte[] {1, 2, 3, 4, 5}, false); // unknown type: skipped by its length
        b.section(ByteOrder.BIG_ENDIAN)
                .iface(LinkType.ETHERNET, 128, 3, 1000)         // milliseconds, +1000 s, snaplen 128
                .iface(LinkType.ETHERNET, 0, 0x80 | 40, 0);     // 2^-40 s: the 128-bit path
        b.spb(java.util.Arrays.copyOf(RandomFrames.frame(rnd, 200), 128), 200);
        b.epb(0, t * 1000 + 999, RandomFrames.frame(rnd, 128), 300);
        // 2^-40 s units hold 2^24 s (1970-07-14) at most; the fraction is kept below 2^64 / 1e9 because
        // Wireshark multiplies in 64 bits and would overflow (we do not: timestampUnitsConvertExactly)
        b.epb(1, (1_000_000L << 40) | 0x3_0000_0000L, RandomFrames.frame(rnd, 1514), 1514);
        Path f = b.write(dir.resolve("multi.pcapng"));

        List<Record> records = assertSameAsTshark(f, false, PcapReader.Format.PCAPNG);
        assertThat(records).extracting(Record::linkType)
                .containsExactly(1, 1, LinkType.RAW, 1, 1, 1, 1);
        assertThat(records).extracting(Record::interfaceId).containsExactly(0, 1, 2, 0, 0, 0, 1);
        assertThat(records.get(0).timestampNanos()).isEqualTo(t * 1_000_000_000L + 123_456_789L);
        assertThat(records.get(5).timestampNanos()).isEqualTo((t + 1000) * 1_000_000_000L + 999_000_000L);
        try (PcapReader r = PcapReader.open(f)) {
            Record.drain(r);
            assertThat(r.skippedBlocks()).isEqualTo(2);
            assertThat(r.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        }
    }

    @Test
    void pcapngFromMergecapWithEthernetAndRawIpInterfaces() throws IOException {
        Path eth = CaptureTools.text2pcap(dump(), dir.resolve("eth.pcap"), "pcap");
        List<byte[]> ip = List.of(new byte[] {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
        Path ipDump = CaptureTools.hexDump(dir.resolve("ip.txt"), ip, new long[] {timestamps[5] + 1000});
        Path raw = CaptureTools.text2pcap(ipDump, dir.resolve("raw.pcap"), "pcap", "-l", "101");
        Path merged = dir.resolve("merged.pcapng");
        CaptureTools.run("mergecap", "-F", "pcapng", "-w", merged.toString(), eth.toString(), raw.toString());
        List<Record> records = assertSameAsTshark(merged, true, PcapReader.Format.PCAPNG);
        assertThat(records).hasSize(COUNT + 1);
        assertThat(records).filteredOn(r -> r.linkType() == LinkType.RAW).hasSize(1);
    }

    @Test
    void rewindReadsTheSamePacketsAgain() throws IOException {
        Path f = CaptureTools.text2pcap(dump(), dir.resolve("a.pcapng"), "pcapng");
        try (PcapReader r = PcapReader.open(f)) {
            List<Record> first = Record.drain(r);
            r.rewind();
            List<Record> second = Record.drain(r);
            assertThat(second).usingRecursiveFieldByFieldElementComparator().isEqualTo(first);
            assertThat(r.packets()).isEqualTo(COUNT);
        }
    }

    @Test
    void timestampUnitsConvertExactly() {
        assertThat(TimestampUnits.toNanos(1_500_000L, 6)).isEqualTo(1_500_000_000L);
        assertThat(TimestampUnits.toNanos(1_500_000_000_000L, 12)).isEqualTo(1_500_000_000L);
        assertThat(TimestampUnits.toNanos(3L << 20 | 1L << 19, 0x80 | 20)).isEqualTo(3_500_000_000L);
        assertThat(TimestampUnits.toNanos(1L << 62, 0x80 | 63)).isEqualTo(500_000_000L);
        assertThat(TimestampUnits.toNanos(-1L, 0x80 | 63)).isEqualTo(1_999_999_999L);
        assertThat(TimestampUnits.supported(19)).isFalse();
        assertThat(TimestampUnits.supported(0x80 | 64)).isFalse();
    }
}
