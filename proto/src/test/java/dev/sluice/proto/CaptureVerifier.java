package dev.sluice.proto;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs every captured frame through {@link PacketParser} on an exact-size slice and checks it the
 * way a worker would rely on it: classified OK, IPv4 header checksum valid, L4 checksum valid
 * (fragments: after reassembling them here, by offset), addresses and ports those of the test
 * network. Counts what kinds of packets it saw so the test can require each kind.
 */
final class CaptureVerifier {
    final Map<String, Integer> kinds = new TreeMap<>();
    final List<String> problems = new ArrayList<>();
    /** Outcomes per {@link ParseResult} code. */
    final long[] counts = new long[ParseResult.COUNT];
    private final Map<String, List<Fragment>> fragments = new TreeMap<>();
    private final PacketParser p = new PacketParser();

    private record Fragment(int offset, boolean more, int protocol, byte[] ipHeader, byte[] data) {
    }

    CaptureVerifier verify(List<PcapReader.Frame> frames) {
        for (PcapReader.Frame f : frames) {
            verify(f);
        }
        reassembleAndVerify();
        return this;
    }

    private void kind(String k) {
        kinds.merge(k, 1, Integer::sum);
    }

    private void problem(PcapReader.Frame f, String what) {
        problems.add("frame " + f.number() + ": " + what);
    }

    private void verify(PcapReader.Frame f) {
        if (f.data().length != f.originalLength()) {
            problem(f, "capture truncated by snaplen");
        }
        ExactSegment s = ExactSegment.of(f.data());
        int code = p.parse(s.frame, 0, f.data().length);
        counts[code]++;
        if (code != ParseResult.OK) {
            problem(f, "classified " + ParseResult.name(code));
            return;
        }
        if (p.vlanCount() == 1) {
            kind("vlan-8021q");
        } else if (p.vlanCount() == 2) {
            kind("vlan-qinq");
        }
        if (p.etherType() == EthernetHeader.ETHERTYPE_ARP) {
            kind(p.arpOperation() == ArpHeader.OPERATION_REQUEST ? "arp-request" : "arp-reply");
            ArpHeader arp = new ArpHeader();
            p.wrapArp(arp);
            checkIpv4(f, arp.senderProtocolAddress(), "ARP sender");
            checkIpv4(f, arp.targetProtocolAddress(), "ARP target");
            return;
        }
        if (p.ipVersion() == 4) {
            if (!p.ipv4HeaderChecksumValid()) {
                problem(f, "IPv4 header checksum");
            }
            checkIpv4(f, p.ipv4Source(), "source");
            checkIpv4(f, p.ipv4Destination(), "destination");
            if (p.ipv4OptionsLength() > 0) {
                kind("ipv4-options");
            }
        } else {
            checkIpv6(f, p.ipv6SourceHigh(), "source");
            checkIpv6(f, p.ipv6DestinationHigh(), "destination");
            if ((p.ipv6ExtensionMask() & PacketParser.EXT_HOP_BY_HOP) != 0) {
                kind("ipv6-hop-by-hop");
            }
        }
        String v = p.ipVersion() == 4 ? "4" : "6";
        if (p.isFragment()) {
            kind("ipv" + v + "-fragment-" + (p.isLaterFragment() ? "later" : "first"));
            collectFragment(s.frame);
            return;
        }
        int cs = p.verifyL4Checksum();
        switch (p.l4Protocol()) {
            case IpProtocol.TCP -> {
                kind("tcp" + v);
                if ((p.tcpFlags() & TcpHeader.SYN) != 0) {
                    kind("tcp" + v + "-syn");
                }
                if (p.payloadLength() > 0) {
                    kind("tcp" + v + "-payload");
                }
                checkPorts(f, KernelTraffic.HTTP_PORT);
            }
            case IpProtocol.UDP -> {
                kind("udp" + v);
                checkPorts(f, KernelTraffic.UDP_ECHO_PORT, KernelTraffic.UDP_CLOSED_PORT, KernelTraffic.UDP_VLAN_PORT);
            }
            case IpProtocol.ICMP -> kind("icmp4-type" + p.icmpType());
            case IpProtocol.ICMPV6 -> kind("icmp6-type" + p.icmpType());
            default -> problem(f, "unexpected protocol " + p.l4Protocol());
        }
        if (cs != PacketParser.CHECKSUM_VALID) {
            problem(f, "L4 checksum of protocol " + p.l4Protocol() + ": " + cs);
        } else {
            kind("l4-checksum-valid");
        }
    }

    private void checkPorts(PcapReader.Frame f, int... ours) {
        for (int port : ours) {
            if (p.sourcePort() == port || p.destinationPort() == port) {
                return;
            }
        }
        problem(f, "ports " + p.sourcePort() + " -> " + p.destinationPort());
    }

    /** 10.77.0.0/24 only. */
    private void checkIpv4(PcapReader.Frame f, int address, String which) {
        if ((address >>> 8) != 0x0A4D00) {
            problem(f, which + " " + Ipv4Header.toString(address));
        }
    }

    /** fd77::/64, link-local, multicast, or unspecified: nothing else lives on this link. */
    private void checkIpv6(PcapReader.Frame f, long high, String which) {
        boolean ok = high == 0xFD77_0000_0000_0000L || (high >>> 54) == (0xFE80L >>> 6) || (high >>> 56) == 0xFF || high == 0;
        if (!ok) {
            problem(f, which + " " + Long.toHexString(high));
        }
    }

    private void collectFragment(MemorySegment frame) {
        String key = p.ipVersion() + "/" + p.fragmentId() + "/" + p.ipv4Source() + "/" + p.ipv6SourceLow();
        byte[] ip = frame.asSlice(p.l3Offset(), p.ipVersion() == 4 ? p.ipHeaderLength() : Ipv6Header.LENGTH)
                .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        // The fragment's data starts at the L4 header for a first fragment, at the payload otherwise.
        int start = p.hasL4Header() ? p.l4Offset() : p.payloadOffset();
        int end = p.l3Offset() + p.l3Length();
        byte[] data = frame.asSlice(start, end - start).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        fragments.computeIfAbsent(key, k -> new ArrayList<>())
                .add(new Fragment(p.fragmentOffset(), p.moreFragments(), p.l4Protocol(), ip, data));
    }

    /** Puts each datagram back together by offset and verifies its L4 checksum with {@link Checksums}. */
    private void reassembleAndVerify() {
        for (Map.Entry<String, List<Fragment>> e : fragments.entrySet()) {
            List<Fragment> parts = new ArrayList<>(e.getValue());
            parts.sort((x, y) -> Integer.compare(x.offset(), y.offset()));
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            boolean complete = parts.getFirst().offset() == 0 && !parts.getLast().more();
            for (Fragment fr : parts) {
                complete &= fr.offset() == whole.size();
                whole.writeBytes(fr.data());
            }
            if (!complete) {
                problems.add("fragments " + e.getKey() + " do not make a whole datagram");
                continue;
            }
            byte[] l4 = whole.toByteArray();
            Fragment first = parts.getFirst();
            boolean valid;
            if (e.getKey().startsWith("4/")) {
                MemorySegment seg = ExactSegment.of(l4).frame;
                valid = first.protocol() == IpProtocol.ICMP ? Checksums.icmpv4Valid(seg, 0, l4.length)
                        : Checksums.l4OverIpv4Valid(ExactSegment.of(concat(first.ipHeader(), l4)).frame, 0,
                        first.ipHeader().length, l4.length, first.protocol());
            } else {
                MemorySegment seg = ExactSegment.of(concat(first.ipHeader(), l4)).frame;
                valid = Checksums.l4OverIpv6Valid(seg, 0, Ipv6Header.LENGTH, l4.length, first.protocol());
            }
            kind(valid ? "reassembled-checksum-valid" : "reassembled-checksum-INVALID");
            if (!valid) {
                problems.add("fragments " + e.getKey() + ": reassembled L4 checksum invalid");
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    static byte[] address(String literal) {
        try {
            return InetAddress.ofLiteral(literal).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an address: " + literal, e);
        }
    }
}
