package dev.sluice.proto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A second, independent dissection of a capture: Wireshark's, through {@code tshark -T fields}
 * (first occurrence of each field, reassembly off so each frame is dissected on its own), compared
 * field by field with what {@link PacketParser} found.
 */
final class TsharkFields {
    static final String[] FIELDS = {"frame.number", "vlan.id", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
            "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "icmp.type", "icmpv6.type",
            // Wireshark dissects an 802.1ad S-tag with its own dissector: the QinQ outer tag is here,
            // and the first vlan.id is then the inner C-tag.
            "ieee8021ad.id"};

    private TsharkFields() {
    }

    /** Runs tshark over {@code pcap}; one tab-separated line per frame, fields in {@link #FIELDS} order. */
    static String dissect(Path pcap) throws Exception {
        List<String> c = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(),
                "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                "-T", "fields", "-E", "occurrence=f", "-E", "separator=/t"));
        for (String f : FIELDS) {
            c.add("-e");
            c.add(f);
        }
        Process p = new ProcessBuilder(c).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tshark failed on " + pcap);
        }
        return out;
    }

    /** Differences between tshark's lines and the parser's view of {@code frames}; empty when they agree. */
    static List<String> compare(List<PcapReader.Frame> frames, String tsv) {
        List<String> problems = new ArrayList<>();
        String[] lines = tsv.split("\n");
        if (lines.length != frames.size()) {
            problems.add("tshark saw " + lines.length + " frames, the reader " + frames.size());
            return problems;
        }
        PacketParser p = new PacketParser();
        for (int i = 0; i < lines.length; i++) {
            String[] t = Arrays.copyOf(lines[i].split("\t", -1), FIELDS.length);
            PcapReader.Frame f = frames.get(i);
            p.parse(ExactSegment.of(f.data()).frame, 0, f.data().length);
            String at = "frame " + f.number() + ": ";
            if (p.vlanCount() == 2 && p.vlanTpid(0) == VlanTag.TPID_8021AD) {
                check(problems, at + "ieee8021ad.id", t[12], String.valueOf(VlanTag.vlanId(p.vlanTci(0))));
                check(problems, at + "vlan.id", t[1], String.valueOf(VlanTag.vlanId(p.vlanTci(1))));
            } else {
                check(problems, at + "vlan.id", t[1], p.vlanCount() == 0 ? "" : String.valueOf(VlanTag.vlanId(p.vlanTci(0))));
            }
            if (p.ipVersion() == 4) {
                checkAddress(problems, at + "ip.src", t[2], p.ipv4Source(), 0, 0);
                checkAddress(problems, at + "ip.dst", t[3], p.ipv4Destination(), 0, 0);
            } else if (p.ipVersion() == 6) {
                checkAddress(problems, at + "ipv6.src", t[4], 0, p.ipv6SourceHigh(), p.ipv6SourceLow());
                checkAddress(problems, at + "ipv6.dst", t[5], 0, p.ipv6DestinationHigh(), p.ipv6DestinationLow());
            } else if (!(t[2] == null || t[2].isEmpty()) || !(t[4] == null || t[4].isEmpty())) {
                problems.add(at + "tshark sees IP, the parser does not");
            }
            if (p.isFragment() || p.ipVersion() == 0) {
                continue; // tshark does not dissect L4 in fragments without reassembly
            }
            switch (p.l4Protocol()) {
                case IpProtocol.TCP -> {
                    check(problems, at + "tcp.srcport", t[6], String.valueOf(p.sourcePort()));
                    check(problems, at + "tcp.dstport", t[7], String.valueOf(p.destinationPort()));
                }
                case IpProtocol.UDP -> {
                    check(problems, at + "udp.srcport", t[8], String.valueOf(p.sourcePort()));
                    check(problems, at + "udp.dstport", t[9], String.valueOf(p.destinationPort()));
                }
                case IpProtocol.ICMP -> check(problems, at + "icmp.type", t[10], String.valueOf(p.icmpType()));
                case IpProtocol.ICMPV6 -> check(problems, at + "icmpv6.type", t[11], String.valueOf(p.icmpType()));
                default -> problems.add(at + "unexpected protocol " + p.l4Protocol());
            }
        }
        return problems;
    }

    private static void check(List<String> problems, String what, String tshark, String ours) {
        String t = tshark == null ? "" : tshark.trim();
        if (!t.equals(ours)) {
            problems.add(what + " tshark=" + t + " parser=" + ours);
        }
    }

    private static void checkAddress(List<String> problems, String what, String tshark, int v4, long high, long low) {
        byte[] theirs = CaptureVerifier.address(tshark == null ? "" : tshark.trim());
        byte[] ours = theirs.length == 4
                ? java.nio.ByteBuffer.allocate(4).putInt(v4).array()
                : java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
        if (!Arrays.equals(theirs, ours)) {
            problems.add(what + " tshark=" + tshark + " parser=" + java.util.HexFormat.of().formatHex(ours));
        }
    }

    static void write(Path file, String tsv) throws Exception {
        Files.writeString(file, tsv);
    }
}
