package dev.sluice.proto;

import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parses packets that the kernel's own stack sent between two network namespaces (see
 * {@link KernelTraffic}) and checks every one: classified OK, every checksum the kernel computed
 * verifies with {@link Checksums}, addresses and ports agree with tshark's dissection.
 *
 * <p>Needs root (namespaces, tcpdump) and the tools it runs ({@link Privileged}: in CI their absence
 * fails the test, elsewhere it is skipped saying why). With
 * {@code -Dsluice.proto.recordPcap=DIR} it also writes the capture and tshark's dissection there,
 * which is how {@code src/test/resources/proto/kernel-stack.pcap} was made.
 */
class KernelStackCaptureTest {
    /** Every kind of packet the traffic must have produced. */
    static final List<String> EXPECTED_KINDS = List.of(
            "arp-request", "arp-reply",
            "icmp4-type8", "icmp4-type0", "icmp4-type3",
            "icmp6-type128", "icmp6-type129", "icmp6-type1", "icmp6-type135", "icmp6-type136", "icmp6-type143",
            "ipv6-hop-by-hop", "ipv4-options",
            "udp4", "udp6", "tcp4-syn", "tcp6-syn", "tcp4-payload", "tcp6-payload",
            "ipv4-fragment-first", "ipv4-fragment-later", "ipv6-fragment-first", "ipv6-fragment-later",
            "reassembled-checksum-valid", "vlan-8021q", "vlan-qinq", "l4-checksum-valid");

    @Test
    void everyPacketTheKernelSentParsesAndEveryChecksumVerifies(@TempDir Path dir) throws Exception {
        Privileged.requireNamespaces("creates network namespaces and captures in them");
        for (String tool : new String[] {"ip", "ethtool", "tcpdump", "python3", "ping", "curl", "ss", "tshark"}) {
            Privileged.requireTool(tool, "makes and dissects traffic of the kernel's own stack");
        }
        byte[] pcap;
        try (NetnsPair pair = KernelTraffic.newPair()) {
            pcap = KernelTraffic.capture(pair, dir);
        }
        Path file = dir.resolve("kernel-stack.pcap");
        Files.write(file, pcap);
        List<PcapReader.Frame> frames = PcapReader.read(pcap);

        CaptureVerifier v = new CaptureVerifier().verify(frames);
        System.out.println("kernel capture: " + frames.size() + " frames, " + v.kinds + ", " + java.util.Arrays.toString(v.counts));
        assertThat(v.problems).isEmpty();
        assertThat(v.kinds.keySet()).containsAll(EXPECTED_KINDS);
        assertThat(v.counts[ParseResult.OK]).isEqualTo(frames.size());

        String tsv = TsharkFields.dissect(file);
        assertThat(TsharkFields.compare(frames, tsv)).isEmpty();

        String record = System.getProperty("sluice.proto.recordPcap");
        if (record != null) {
            Path out = Files.createDirectories(Path.of(record));
            Files.write(out.resolve("kernel-stack.pcap"), pcap);
            TsharkFields.write(out.resolve("kernel-stack.tshark.tsv"), tsv);
        }
    }
}
