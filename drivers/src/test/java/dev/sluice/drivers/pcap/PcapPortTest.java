package dev.sluice.drivers.pcap;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.testing.RandomFrames;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PcapPort} against the {@link dev.sluice.drivers.Port} contract, with tshark as the judge of its output. */
class PcapPortTest {
    private static final int COUNT = 2000;

    @TempDir
    Path dir;

    /** Input captures, made once for the class (text2pcap takes a second or two); tests only read them. */
    @TempDir
    static Path shared;
    private static final java.util.Map<String, Path> CAPTURES = new java.util.HashMap<>();

    private final List<byte[]> frames = RandomFrames.frames(COUNT, 31);
    private final long[] timestamps = RandomFrames.timestamps(COUNT, 31);
    private final PcapPortOptions tracked = PcapPortOptions.defaults().withTrackFrames(true);

    private Path capture(String format) throws IOException {
        Path made = CAPTURES.get(format);
        if (made == null) {
            Path dump = CaptureTools.hexDump(shared.resolve("frames.txt"), frames, timestamps);
            made = CaptureTools.text2pcap(dump, shared.resolve("in." + format), format);
            CAPTURES.put(format, made);
        }
        return made;
    }

    /** Receives everything and transmits it, in bursts of {@code burst}; returns packets received. */
    private static long pump(PcapPort port, int burst) {
        PacketBatch batch = port.newBatch(burst);
        long n = 0;
        while (!port.endOfInput()) {
            n += port.receive(batch);
            port.transmit(batch);
        }
        return n;
    }

    private static void assertAllFramesHome(PcapPort port) {
        assertThat(port.framesHeld()).isZero();
        assertThat(port.framesAvailable()).isEqualTo(port.frameCount());
        FrameOwnership own = port.ownership();
        if (own != null) {
            assertThat(own.violations()).as(own.firstViolation()).isZero();
            assertThat(own.count(FrameOwnership.POOL)).isEqualTo(port.frameCount());
        }
    }

    private static void assertSamePackets(Path in, Path out, boolean micros) {
        List<CaptureTools.Frame> expected = CaptureTools.tshark(in);
        List<CaptureTools.Frame> actual = CaptureTools.tshark(out);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            CaptureTools.Frame e = expected.get(i);
            CaptureTools.Frame a = actual.get(i);
            assertThat(a.data()).as("bytes of packet %d", i + 1).isEqualTo(e.data());
            assertThat(a.length()).as("length of packet %d", i + 1).isEqualTo(e.length());
            assertThat(a.capturedLength()).isEqualTo(e.capturedLength());
            assertThat(a.timestampNanos()).as("time of packet %d", i + 1)
                    .isEqualTo(micros ? RandomFrames.micros(e.timestampNanos()) : e.timestampNanos());
        }
    }

    @Test
    void offlinePassThroughOfAPcapngKeepsEveryByteAndNanosecond() throws IOException {
        Path in = capture("pcapng");
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(in, out, tracked.withOutputPrecision(PcapWriter.Precision.NANOSECONDS))) {
            assertThat(port.name()).isEqualTo("pcap:in.pcapng->out.pcap");
            assertThat(pump(port, 32)).isEqualTo(COUNT);
            assertThat(port.counters().get(PortCounters.RX_PACKETS)).isEqualTo(COUNT);
            assertThat(port.counters().get(PortCounters.TX_PACKETS)).isEqualTo(COUNT);
            assertThat(port.counters().get(PortCounters.RX_BYTES))
                    .isEqualTo(port.counters().get(PortCounters.TX_BYTES))
                    .isEqualTo(frames.stream().mapToLong(f -> f.length).sum());
            assertThat(port.counters().get(PortCounters.DROPPED)).isZero();
            assertThat(port.inputProblem()).isNull();
            assertAllFramesHome(port);
        }
        assertSamePackets(in, out, false);
    }

    @Test
    void passThroughToMicrosecondsOfPacketsCutByTheirSnapLength() throws IOException {
        Path in = CaptureTools.editcap(capture("nsecpcap"), dir.resolve("cut.pcap"), "-F", "nsecpcap", "-s", "100");
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(in, out, tracked.withOutputPrecision(PcapWriter.Precision.MICROSECONDS))) {
            assertThat(pump(port, 64)).isEqualTo(COUNT);
            assertAllFramesHome(port);
        }
        assertSamePackets(in, out, true); // original lengths survive: len > cap_len in the output too
        assertThat(CaptureTools.capinfos(out, "-t")).containsEntry("File type", "pcap");
    }

    @Test
    void receiveFillsOnlyTheRoomLeftInTheBatch() throws IOException {
        try (PcapPort port = PcapPort.open(capture("pcap"), null, tracked)) {
            PacketBatch batch = port.newBatch(16);
            assertThat(port.allocate(batch, 10, 60)).isEqualTo(10);
            assertThat(port.receive(batch)).isEqualTo(6);
            assertThat(batch.count()).isEqualTo(16);
            assertThat(port.receive(batch)).isZero();
            assertThat(port.framesHeld()).isEqualTo(16);
            port.release(batch);
            assertAllFramesHome(port);
        }
    }

    @Test
    void packetsStartWhereAfXdpPutsThem() throws IOException {
        UmemConfig umem = UmemConfig.defaults().withFrameCount(256).withFrameSize(4096).withHeadroom(128);
        try (PcapPort port = PcapPort.open(capture("pcap"), null, tracked.withUmem(umem))) {
            PacketBatch batch = port.newBatch(64);
            port.receive(batch);
            port.allocate(batch, 64, 100);
            for (int i = 0; i < batch.count(); i++) {
                assertThat(batch.address(i) % 4096).isEqualTo(UmemConfig.KERNEL_HEADROOM + 128);
            }
            assertThat(port.frameRoom()).isEqualTo(4096 - 256 - 128);
            port.release(batch);
        }
    }

    /** Every frame is in the pool or with the application, whatever the mix of operations. */
    @Test
    void randomMixOfOperationsNeverLosesOrDoublesAFrame() throws IOException {
        Random rnd = new Random(8);
        try (PcapPort port = PcapPort.open(capture("pcapng"), dir.resolve("out.pcap"),
                tracked.withUmem(UmemConfig.defaults().withFrameCount(128)).withPasses(20))) {
            PacketBatch[] batches = {port.newBatch(64), port.newBatch(200), port.newBatch(1)};
            long received = 0;
            long allocated = 0;
            while (!port.endOfInput()) {
                PacketBatch b = batches[rnd.nextInt(batches.length)];
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> received += port.receive(b);
                    case 2 -> allocated += port.allocate(b, rnd.nextInt(50), 60 + rnd.nextInt(1500));
                    case 3 -> port.transmit(b);
                    default -> port.release(b);
                }
                int inBatches = Arrays.stream(batches).mapToInt(PacketBatch::count).sum();
                assertThat(port.framesHeld()).isEqualTo(inBatches);
                assertThat(port.framesAvailable() + port.framesHeld()).isEqualTo(128);
            }
            for (PacketBatch b : batches) {
                port.transmit(b);
            }
            assertThat(received).isEqualTo(20L * COUNT);
            PortCounters c = port.counters();
            assertThat(c.get(PortCounters.RX_PACKETS)).isEqualTo(received);
            assertThat(c.get(PortCounters.TX_PACKETS) + c.get(PortCounters.DROPPED)).isEqualTo(received + allocated);
            assertAllFramesHome(port);
        }
    }

    @Test
    void anEmptyPoolStarvesReceiveWithoutLosingPackets() throws IOException {
        try (PcapPort port = PcapPort.open(capture("pcap"), null, tracked.withUmem(UmemConfig.defaults().withFrameCount(64)))) {
            PacketBatch big = port.newBatch(100);
            PacketBatch more = port.newBatch(10);
            assertThat(port.receive(big)).isEqualTo(64);
            assertThat(port.receive(more)).isZero();
            assertThat(port.counters().get(PortCounters.FILL_STARVED)).isEqualTo(1);
            List<byte[]> got = new ArrayList<>();
            for (int i = 0; i < big.count(); i++) {
                got.add(big.packet(i).toArray());
            }
            port.release(big);
            while (!port.endOfInput()) {
                port.receive(big);
                for (int i = 0; i < big.count(); i++) {
                    got.add(big.packet(i).toArray());
                }
                port.release(big);
            }
            assertThat(got).hasSize(COUNT);
            for (int i = 0; i < COUNT; i++) {
                assertThat(got.get(i)).isEqualTo(frames.get(i));
            }
            assertAllFramesHome(port);
        }
    }

    @Test
    void aPacketLongerThanAFrameIsCutToItAndCounted() throws IOException {
        byte[] jumbo = RandomFrames.frame(new Random(2), 3000);
        Path dump = CaptureTools.hexDump(dir.resolve("jumbo.txt"), List.of(frames.get(0), jumbo, frames.get(1)),
                new long[] {1, 2, 3});
        Path in = CaptureTools.text2pcap(dump, dir.resolve("jumbo.pcap"), "pcap");
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(in, out, tracked)) {
            PacketBatch batch = port.newBatch(8);
            assertThat(port.receive(batch)).isEqualTo(3);
            assertThat(batch.length(1)).isEqualTo(2048 - 256).isEqualTo(port.frameRoom());
            assertThat(port.originalLength(batch, 1)).isEqualTo(3000);
            assertThat(port.truncatedPackets()).isEqualTo(1);
            port.transmit(batch);
        }
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written.get(1).length()).isEqualTo(3000);
        assertThat(written.get(1).capturedLength()).isEqualTo(1792);
        assertThat(written.get(1).data()).isEqualTo(Arrays.copyOf(jumbo, 1792));
        assertThat(written.get(2).data()).isEqualTo(frames.get(1));
    }

    @Test
    void packetsThatAreNotEthernetAreSkippedWithAReason() throws IOException {
        Path eth = capture("pcap");
        byte[] ip = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
        Path raw = CaptureTools.text2pcap(CaptureTools.hexDump(dir.resolve("ip.txt"), List.of(ip, ip),
                new long[] {timestamps[3] + 1, timestamps[7] + 1}), dir.resolve("raw.pcap"), "pcap", "-l", "101");
        Path merged = dir.resolve("merged.pcapng");
        CaptureTools.run("mergecap", "-F", "pcapng", "-w", merged.toString(), eth.toString(), raw.toString());
        try (PcapPort port = PcapPort.open(merged, null, tracked)) {
            assertThat(pump(port, 64)).isEqualTo(COUNT);
            assertThat(port.skippedPackets()).isEqualTo(2);
            assertThat(port.skipReason()).contains("link type 101 (raw IP), not Ethernet").contains("interface 1");
            assertAllFramesHome(port);
        }
        Path rawOnly = dir.resolve("raw-only.pcap");
        Files.copy(raw, rawOnly);
        try (PcapPort port = PcapPort.open(rawOnly, null, tracked.withPasses(Long.MAX_VALUE))) {
            assertThat(pump(port, 8)).isZero(); // ends although replaying "forever": nothing to deliver
            assertThat(port.skippedPackets()).isEqualTo(2);
        }
    }

    @Test
    void loopReplaysTheInput() throws IOException {
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(capture("pcapng"), out, tracked)) {
            port.loop(3);
            assertThat(pump(port, 50)).isEqualTo(3L * COUNT);
            assertThat(port.endOfInput()).isTrue();
            assertAllFramesHome(port);
        }
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written).hasSize(3 * COUNT);
        for (int i = 0; i < written.size(); i++) {
            assertThat(written.get(i).data()).isEqualTo(frames.get(i % COUNT));
            // text2pcap's pcapng counts nanoseconds: the output keeps them.
            assertThat(written.get(i).timestampNanos()).isEqualTo(timestamps[i % COUNT]);
        }
    }

    @Test
    void aDamagedInputDeliversEveryPacketBeforeTheDamageThenEnds() throws IOException {
        Path in = capture("pcap");
        byte[] bytes = Files.readAllBytes(in);
        Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(bytes, bytes.length / 2));
        Path out = dir.resolve("out.pcap");
        long delivered;
        try (PcapPort port = PcapPort.open(cut, out, tracked.withPasses(5))) {
            delivered = pump(port, 64);
            assertThat(port.endOfInput()).isTrue();
            assertThat(port.inputProblem()).startsWith("truncated record at offset ");
            assertAllFramesHome(port);
        }
        assertThat(delivered).isEqualTo(Record.readAll(cut).size()).isPositive(); // one pass: damage is not replayed
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written).hasSize((int) delivered);
        for (int i = 0; i < written.size(); i++) {
            assertThat(written.get(i).data()).isEqualTo(frames.get(i));
        }
    }

    @Test
    void withoutAnOutputTransmitDropsAndCounts() throws IOException {
        try (PcapPort port = PcapPort.open(capture("pcap"), null, tracked)) {
            PacketBatch batch = port.newBatch(64);
            assertThat(port.receive(batch)).isEqualTo(64);
            assertThat(port.transmit(batch)).isZero();
            assertThat(batch.isEmpty()).isTrue();
            assertThat(port.counters().get(PortCounters.DROPPED)).isEqualTo(64);
            assertThat(port.counters().get(PortCounters.TX_PACKETS)).isZero();
            assertAllFramesHome(port);
        }
    }

    /** A generator's path: no input, allocated packets written with the time of transmission or a given one. */
    @Test
    void allocatedPacketsAreWrittenWithTheTimeOfTransmission() throws IOException {
        Path out = dir.resolve("gen.pcap");
        long before = System.currentTimeMillis() * 1_000_000L;
        try (PcapPort port = PcapPort.open(null, out, tracked.withOutputPrecision(PcapWriter.Precision.NANOSECONDS))) {
            assertThat(port.endOfInput()).isTrue();
            PacketBatch batch = port.newBatch(16);
            assertThat(port.receive(batch)).isZero();
            assertThat(port.allocate(batch, 10, 100)).isEqualTo(10);
            for (int i = 0; i < 10; i++) {
                assertThat(port.timestampNanos(batch, i)).isEqualTo(-1);
                for (int b = 0; b < 100; b++) {
                    batch.packet(i).setByte(b, i);
                }
            }
            port.setTimestampNanos(batch, 9, 42_000_000_123L);
            assertThat(port.transmit(batch)).isEqualTo(10);
            assertAllFramesHome(port);
        }
        long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written).hasSize(10);
        for (int i = 0; i < 9; i++) {
            assertThat(written.get(i).timestampNanos()).isBetween(before - 50_000_000L, after + 50_000_000L);
            assertThat(written.get(i).data()).containsOnly((byte) i).hasSize(100);
        }
        assertThat(written.get(9).timestampNanos()).isEqualTo(42_000_000_123L);
    }

    /** Metadata is kept per frame: it follows a packet moved to another slot or batch. */
    @Test
    void timestampsFollowPacketsAcrossSlotsAndBatches() throws IOException {
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(capture("pcap"), out, tracked.withOutputPrecision(PcapWriter.Precision.NANOSECONDS))) {
            PacketBatch a = port.newBatch(10);
            PacketBatch b = port.newBatch(10);
            assertThat(port.receive(a)).isEqualTo(10);
            int length2 = a.length(2);
            long moved = a.removeSwap(2); // packet 9 now in slot 2
            b.add(moved, length2);
            assertThat(port.timestampNanos(b, 0)).isEqualTo(RandomFrames.micros(timestamps[2]));
            assertThat(port.timestampNanos(a, 2)).isEqualTo(RandomFrames.micros(timestamps[9]));
            port.transmit(b);
            port.transmit(a);
            assertAllFramesHome(port);
        }
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written.get(0).data()).isEqualTo(frames.get(2));
        assertThat(written.get(0).timestampNanos()).isEqualTo(RandomFrames.micros(timestamps[2]));
        assertThat(written.get(3).data()).isEqualTo(frames.get(9));
        assertThat(written.get(3).timestampNanos()).isEqualTo(RandomFrames.micros(timestamps[9]));
    }

    @Test
    void aHandlerThatChangesTheLengthWritesTheNewLength() throws IOException {
        Path in = CaptureTools.editcap(capture("pcap"), dir.resolve("cut.pcap"), "-s", "100");
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(in, out, tracked)) {
            PacketBatch batch = port.newBatch(4);
            port.receive(batch);
            int original = port.originalLength(batch, 0);
            batch.setLength(0, 50);
            assertThat(port.originalLength(batch, 0)).isEqualTo(50);
            assertThat(port.originalLength(batch, 1)).isEqualTo(frames.get(1).length);
            port.transmit(batch);
            assertThat(original).isEqualTo(frames.get(0).length);
        }
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written.get(0).length()).isEqualTo(50);
        assertThat(written.get(1).length()).isEqualTo(frames.get(1).length);
    }

    /** A handler that pushes 48 bytes in front of every packet: the output has them, every frame comes home. */
    @Test
    void packetsWhoseStartMovedIntoTheHeadroomAreWrittenFromTheNewStart() throws IOException {
        Path out = dir.resolve("prepended.pcap");
        try (PcapPort port = PcapPort.open(capture("pcap"), out, tracked)) {
            PacketBatch batch = port.newBatch(16);
            while (!port.endOfInput()) {
                int n = port.receive(batch);
                for (int i = 0; i < n; i++) {
                    var p = batch.packet(i);
                    assertThat(p.headroom()).isEqualTo(256);
                    assertThat(p.prepend(48)).isTrue();
                    for (int k = 0; k < 48; k++) {
                        p.setByte(k, 0xC0 + k);
                    }
                }
                port.transmit(batch);
            }
            assertAllFramesHome(port);
        }
        List<CaptureTools.Frame> written = CaptureTools.tshark(out);
        assertThat(written).hasSize(COUNT);
        for (int i = 0; i < COUNT; i++) {
            byte[] expected = new byte[48 + frames.get(i).length];
            for (int k = 0; k < 48; k++) {
                expected[k] = (byte) (0xC0 + k);
            }
            System.arraycopy(frames.get(i), 0, expected, 48, frames.get(i).length);
            assertThat(written.get(i).data()).as("packet %d", i + 1).isEqualTo(expected);
            assertThat(written.get(i).length()).isEqualTo(expected.length);
        }
    }

    @Test
    void openFailsClearly() throws IOException {
        assertThatThrownBy(() -> PcapPort.open(dir.resolve("missing.pcap"), null, tracked))
                .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CAPTURE_FILE)).hasMessageEndingWith("missing.pcap: no such file");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a capture");
        assertThatThrownBy(() -> PcapPort.open(text, dir.resolve("out.pcap"), tracked))
                .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CAPTURE_FILE)).hasMessageContaining("notes.txt: not a pcap or pcapng file: magic 0x6e6f7420")
                .hasCauseInstanceOf(PcapFormatException.class);
        assertThatThrownBy(() -> PcapPort.open(capture("pcap"), dir.resolve("no/such/dir/out.pcap"), tracked))
                .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CAPTURE_FILE)).hasMessageContaining("no such file");
    }

    @Test
    void aBatchOfAnotherUmemIsRefused() throws IOException {
        try (PcapPort port = PcapPort.open(capture("pcap"), null, tracked); Arena arena = Arena.ofConfined()) {
            PacketBatch foreign = new PacketBatch(arena.allocate(4096), 4);
            foreign.add(0, 60);
            assertThatThrownBy(() -> port.transmit(foreign)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another UMEM");
            assertThat(port.framesAvailable()).isEqualTo(port.frameCount());
        }
    }
}
