package dev.sluice.lb.forward;

import dev.sluice.drivers.pcap.PcapWriter;
import dev.sluice.testing.Privileged;
import dev.sluice.umem.Packet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static dev.sluice.lb.forward.RewritesTest.GUE_PORT;
import static dev.sluice.lb.forward.RewritesTest.NEXT_MAC;
import static dev.sluice.lb.forward.RewritesTest.OUTER_DST;
import static dev.sluice.lb.forward.RewritesTest.OUTER_DST6;
import static dev.sluice.lb.forward.RewritesTest.OUTER_SRC;
import static dev.sluice.lb.forward.RewritesTest.OUTER_SRC6;
import static dev.sluice.lb.forward.RewritesTest.OWN_MAC;
import static dev.sluice.lb.forward.RewritesTest.SPORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second opinion on every output: Wireshark's dissectors (tshark -V) decode the rewritten frames
 * from a pcap, with checksum validation switched on, and must see the outer and inner headers
 * and call every checksum good. GUE variant 1 has no dissector of its own in tshark; its UDP
 * payload is decoded as IP ({@code -d udp.port==6080,ip}), which is what variant 1 is.
 */
class TsharkDecodeTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void needsTshark() {
        Privileged.requireTool("tshark", "decodes the rewritten frames with Wireshark's dissectors");
    }

    interface Rewrite {
        boolean apply(Packet p);
    }

    record Case(String name, byte[] in, Rewrite rewrite, List<String> expected) {
    }

    static Case c(String name, byte[] in, Rewrite r, String... expected) {
        return new Case(name, in, r, List.of(expected));
    }

    static final String IP4_OK = "[Header checksum status: Good]";
    static final String OUTER4 = "Internet Protocol Version 4, Src: 172.16.0.1, Dst: 10.9.8.7";
    static final String OUTER6 = "Internet Protocol Version 6, Src: fd99::1, Dst: fd99::2:7";
    static final String INNER4 = "Internet Protocol Version 4, Src: 10.1.2.3, Dst: 192.168.0.199";
    static final String INNER6 = "Internet Protocol Version 6, Src: fd00:0:0:1::aa, Dst: fd00::2:1234:5678:9abc:def0";

    @Test
    void wiresharkDecodesEveryEncapsulationAndIcmpMessage() throws Exception {
        List<Case> cases = new ArrayList<>();
        cases.add(c("ipip", RewritesTest.tcp4(true),
                p -> Rewrites.ipipOver4(p, 14, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC),
                OUTER4, "Protocol: IPIP (4)", INNER4, "Transmission Control Protocol, Src Port: 40000, Dst Port: 80",
                "[Checksum Status: Good]"));
        cases.add(c("6in4", RewritesTest.tcp6WithTwoVlans(),
                p -> Rewrites.ipipOver4(p, 22, OUTER_SRC, OUTER_DST, OWN_MAC, NEXT_MAC),
                "802.1ad", "802.1Q Virtual LAN", OUTER4, "Protocol: IPv6 (41)", INNER6, "Dst Port: 443", "[Checksum Status: Good]"));
        cases.add(c("4in6", RewritesTest.udp4WithVlan(),
                p -> Rewrites.ipipOver6(p, 18, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], OWN_MAC, NEXT_MAC),
                "802.1Q Virtual LAN", OUTER6, "Next Header: IPIP (4)", INNER4, "User Datagram Protocol, Src Port: 40001, Dst Port: 7777",
                "[Checksum Status: Good]"));
        cases.add(c("ip6ip6", RewritesTest.udp6(),
                p -> Rewrites.ipipOver6(p, 14, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], OWN_MAC, NEXT_MAC),
                OUTER6, "Next Header: IPv6 (41)", INNER6, "Src Port: 40002, Dst Port: 7778", "[Checksum Status: Good]"));
        cases.add(c("gue4", RewritesTest.tcp4(true),
                p -> Rewrites.gueOver4(p, 14, OUTER_SRC, OUTER_DST, SPORT, GUE_PORT, OWN_MAC, NEXT_MAC),
                OUTER4, "Protocol: UDP (17)", "User Datagram Protocol, Src Port: 49443, Dst Port: 6080",
                "Checksum: 0x0000 [zero-value ignored]", INNER4, "Dst Port: 80", "[Checksum Status: Good]"));
        cases.add(c("gue6", RewritesTest.tcp6WithTwoVlans(),
                p -> Rewrites.gueOver6(p, 22, OUTER_SRC6[0], OUTER_SRC6[1], OUTER_DST6[0], OUTER_DST6[1], SPORT, GUE_PORT, OWN_MAC, NEXT_MAC),
                OUTER6, "Next Header: UDP (17)", "Src Port: 49443, Dst Port: 6080", "[Checksum Status: Good]", INNER6,
                "Dst Port: 443", "[Checksum Status: Good]"));
        cases.add(c("echo4", IcmpRepliesTest.echoRequest4(), p -> IcmpReplies.echoReply(p, 14),
                "Internet Protocol Version 4, Src: 192.168.0.199, Dst: 10.1.2.3", "Type: 0 (Echo (ping) reply)",
                "[Checksum Status: Good]"));
        cases.add(c("echo6", IcmpRepliesTest.echoRequest6(), p -> IcmpReplies.echoReply(p, 14),
                "Internet Protocol Version 6, Src: fd00::2:1234:5678:9abc:def0, Dst: fd00:0:0:1::aa", "Type: Echo (ping) reply (129)",
                "[Checksum Status: Good]"));
        cases.add(c("frag-needed", IcmpRepliesTest.bigTcp4(), p -> IcmpReplies.fragmentationNeeded(p, 18, 1480),
                "Internet Protocol Version 4, Src: 192.168.0.199, Dst: 10.1.2.3", "Type: 3 (Destination unreachable)",
                "Code: 4 (Fragmentation needed)", "MTU of next hop: 1480", "[Checksum Status: Good]", INNER4,
                "Src Port: 40000, Dst Port: 80"));
        cases.add(c("packet-too-big", IcmpRepliesTest.bigUdp6(), p -> IcmpReplies.packetTooBig(p, 14, 1400),
                "Internet Protocol Version 6, Src: fd00::2:1234:5678:9abc:def0, Dst: fd00:0:0:1::aa", "Type: Packet Too Big (2)",
                "MTU: 1400", "[Checksum Status: Good]", INNER6, "Src Port: 40000, Dst Port: 443"));

        Path pcap = dir.resolve("rewrites.pcap");
        try (FrameSlots f = new FrameSlots(); PcapWriter w = PcapWriter.create(pcap, PcapWriter.Precision.MICROSECONDS)) {
            for (Case k : cases) {
                Packet p = f.load(k.in());
                assertThat(k.rewrite().apply(p)).as(k.name()).isTrue();
                w.write(p, 0);
            }
        }
        List<String> frames = dissect(pcap);
        assertThat(frames).hasSize(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            Case k = cases.get(i);
            String text = frames.get(i);
            for (String e : k.expected()) {
                assertThat(text).as("%s: tshark's decode has \"%s\"%n%s", k.name(), e, text).contains(e);
            }
            for (String bad : List.of("[Checksum Status: Bad]", "status: Bad]", "Malformed", "Expert Info (Error")) {
                assertThat(text).as("%s: %s%n%s", k.name(), bad, text).doesNotContain(bad);
            }
        }
        assertThat(frames.get(0)).as("IPIP outer header checksum").contains(IP4_OK);
        assertThat(frames.stream().filter(Predicate.not(String::isEmpty))).allSatisfy(t -> assertThat(t).doesNotContain("Bad"));
    }

    /** tshark -V of every frame, one string per frame, with checksum validation on. */
    static List<String> dissect(Path pcap) throws Exception {
        List<String> command = List.of("tshark", "-n", "-r", pcap.toString(), "-V",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                "-d", "udp.port==" + GUE_PORT + ",ip");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("tshark exit status; output:%n%s", out).isZero();
        List<String> frames = new ArrayList<>();
        for (String part : out.split("(?m)^(?=Frame \\d+: )")) {
            if (part.startsWith("Frame ")) {
                frames.add(part);
            }
        }
        return frames;
    }
}
