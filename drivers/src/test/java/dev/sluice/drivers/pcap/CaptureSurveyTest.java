package dev.sluice.drivers.pcap;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PcapReader#survey(int)} and what the port makes of it: the input's timestamp resolution
 * kept, an output that is the input refused before anything is written.
 */
class CaptureSurveyTest {
    private static final long T0 = 1_700_000_000_123_456_789L;

    @TempDir
    Path dir;

    private static byte[] frame(int length) {
        byte[] f = new byte[length];
        f[12] = 0x08; // IPv4
        return f;
    }

    @Test
    void findsTheLongestEthernetPacketAndCountsThoseLongerThanTheRoom() throws IOException {
        Path in = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(T0, frame(60), 60).record(T0 + 1000, frame(3000), 3000).record(T0 + 2000, frame(9000), 9000)
                .write(dir.resolve("gro.pcap"));
        try (PcapReader reader = PcapReader.open(in)) {
            CaptureSurvey s = reader.survey(3840);
            assertThat(s.packets()).isEqualTo(3);
            assertThat(s.ethernetPackets()).isEqualTo(3);
            assertThat(s.largestEthernetPacket()).isEqualTo(9000);
            assertThat(s.ethernetLongerThanRoom()).isEqualTo(1);
            assertThat(s.holdsNoEthernet()).isFalse();
            assertThat(s.finerThanMicroseconds()).isFalse();
            // The survey rewinds: the first packet comes next.
            assertThat(reader.next()).isTrue();
            assertThat(reader.capturedLength()).isEqualTo(60);
        }
    }

    @Test
    void aCaptureOfAnotherLinkTypeHoldsNoEthernetEvenWhenEmpty() throws IOException {
        Path cooked = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.LINUX_SLL)
                .record(T0, frame(80), 80).write(dir.resolve("any.pcap"));
        Path empty = CaptureBuilder.pcap(ByteOrder.BIG_ENDIAN, false, 65535, LinkType.RAW).write(dir.resolve("raw.pcap"));
        Path ethernet = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET).write(dir.resolve("e.pcap"));
        try (PcapReader a = PcapReader.open(cooked); PcapReader b = PcapReader.open(empty); PcapReader c = PcapReader.open(ethernet)) {
            assertThat(a.survey(1792).holdsNoEthernet()).isTrue();
            assertThat(a.survey(1792).otherLinkType()).isEqualTo(LinkType.LINUX_SLL);
            assertThat(b.survey(1792).holdsNoEthernet()).isTrue();
            assertThat(b.survey(1792).otherLinkType()).isEqualTo(LinkType.RAW);
            assertThat(c.survey(1792).holdsNoEthernet()).isFalse(); // empty, but Ethernet: nothing to refuse
        }
    }

    @Test
    void timestampsFinerThanMicrosecondsAreSeenInBothFormats() throws IOException {
        Path nanos = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, true, 65535, LinkType.ETHERNET)
                .record(T0, frame(60), 60).write(dir.resolve("ns.pcap"));
        // A microsecond interface first, a nanosecond one later: the finer one decides.
        Path mixed = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 0, -1, 0)
                .epb(0, 1, frame(60), 60).iface(LinkType.ETHERNET, 0, 9, 0).epb(1, 1, frame(60), 60)
                .write(dir.resolve("mixed.pcapng"));
        Path micros = CaptureBuilder.pcapng().section(ByteOrder.BIG_ENDIAN).iface(LinkType.ETHERNET, 0, 6, 0)
                .epb(0, 1, frame(60), 60).write(dir.resolve("us.pcapng"));
        Path binary = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 0, 0x80 | 20, 0)
                .epb(0, 1, frame(60), 60).write(dir.resolve("bin.pcapng"));
        try (PcapReader n = PcapReader.open(nanos); PcapReader m = PcapReader.open(mixed);
             PcapReader u = PcapReader.open(micros); PcapReader b = PcapReader.open(binary)) {
            assertThat(n.survey(1792).precision()).isEqualTo(PcapWriter.Precision.NANOSECONDS);
            assertThat(m.survey(1792).precision()).isEqualTo(PcapWriter.Precision.NANOSECONDS);
            assertThat(u.survey(1792).precision()).isEqualTo(PcapWriter.Precision.MICROSECONDS);
            assertThat(b.survey(1792).precision()).isEqualTo(PcapWriter.Precision.NANOSECONDS); // 2^-20 s < 1 us
        }
    }

    @Test
    void aNanosecondInputGivesANanosecondOutputByDefault() throws IOException {
        Path in = CaptureBuilder.pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 0, 9, 0)
                .epb(0, T0, frame(60), 60).epb(0, T0 + 7, frame(61), 61).write(dir.resolve("ns.pcapng"));
        Path out = dir.resolve("out.pcap");
        try (PcapPort port = PcapPort.open(in, out, PcapPortOptions.defaults())) {
            PacketBatch batch = port.newBatch(8);
            while (!port.endOfInput()) {
                port.receive(batch);
                port.transmit(batch);
            }
        }
        try (PcapReader r = PcapReader.open(out)) {
            assertThat(r.nanosecondFile()).isTrue();
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNanos()).isEqualTo(T0);
            assertThat(r.next()).isTrue();
            assertThat(r.timestampNanos()).isEqualTo(T0 + 7);
        }
    }

    @Test
    void anOutputThatIsTheInputIsRefusedAndTheInputKept() throws IOException {
        Path in = CaptureBuilder.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
                .record(T0, frame(60), 60).write(dir.resolve("s.pcap"));
        byte[] before = Files.readAllBytes(in);
        Path symlink = Files.createSymbolicLink(dir.resolve("link.pcap"), in);
        Path hardLink = Files.createLink(dir.resolve("hard.pcap"), in);
        for (Path out : new Path[] {in, symlink, hardLink, dir.resolve("./s.pcap")}) {
            assertThatThrownBy(() -> PcapPort.open(in, out, PcapPortOptions.defaults()))
                    .isInstanceOf(PortSetupException.class).hasMessageContaining("is the input");
        }
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }
}
