package dev.sluice.proto;

import dev.sluice.testing.Await;
import dev.sluice.testing.NetnsPair;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Generates real traffic with the kernel's own stack and kernel tools between the two namespaces
 * of a {@link NetnsPair}, capturing it with tcpdump on B's end of the veth. Both directions are
 * captured there: A→B as received, B→A as sent; with transmit checksum offload off on both ends
 * every checksum in the file was computed by the kernel (see {@link NetnsPair}).
 *
 * <p>What is sent: ping and ping -6 (with the ARP and Neighbor Discovery they trigger), ping -R
 * (IPv4 Record Route option), UDP over IPv4 (one with IP_OPTIONS) and IPv6 to an echo server and to
 * a closed port (ICMP / ICMPv6 Port Unreachable), TCP over IPv4 and IPv6 (curl against python3
 * http.server), an IPv6 multicast join (MLDv2 report with a Hop-by-Hop Router Alert), ping -s 3000
 * over IPv4 and IPv6 (fragments at MTU 1500).
 *
 * <p>VLAN: this kernel is built without 802.1Q (CONFIG_VLAN_8021Q and act_vlan unset), so it
 * cannot originate tagged frames. A python AF_PACKET socket in A injects one 802.1Q and one QinQ
 * frame (UDP, checksums computed by python); B's kernel receives them, moves the outer tag into
 * skb metadata, and libpcap writes the tag back into the captured frame.
 */
final class KernelTraffic {
    static final int UDP_ECHO_PORT = 9999;
    static final int UDP_CLOSED_PORT = 9998;
    static final int UDP_VLAN_PORT = 9997;
    static final int HTTP_PORT = 8080;

    private static final String UDP_ECHO_SERVER = """
            import select, socket
            s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(('0.0.0.0', %1$d))
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); s6.bind(('::', %1$d))
            while True:
                for s in select.select([s4, s6], [], [])[0]:
                    data, peer = s.recvfrom(4096); s.sendto(data, peer)
            """.formatted(UDP_ECHO_PORT);

    private static final String CLIENT = """
            import socket, struct, sys, time
            b_ip, b_ip6, b_mac, a_if = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), sys.argv[4]
            def echo(family, addr, payload, options=None):
                s = socket.socket(family, socket.SOCK_DGRAM); s.settimeout(2)
                if options: s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, options)
                s.sendto(payload, addr); s.recvfrom(4096); s.close()
            echo(socket.AF_INET, (b_ip, %1$d), b'udp4 with record route', bytes([7, 7, 4, 0, 0, 0, 0, 1]))
            echo(socket.AF_INET, (b_ip, %1$d), b'udp4 hello')
            echo(socket.AF_INET6, (b_ip6, %1$d), b'udp6 hello, an odd length')
            for family, ip in ((socket.AF_INET, b_ip), (socket.AF_INET6, b_ip6)):
                s = socket.socket(family, socket.SOCK_DGRAM); s.sendto(b'nobody listens', (ip, %2$d)); s.close()
                time.sleep(0.1)
            m = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            m.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                         socket.inet_pton(socket.AF_INET6, 'ff15::1234') + struct.pack('@I', socket.if_nametoindex(a_if)))
            time.sleep(0.3)
            def csum(data):
                if len(data) %% 2: data += b'\\0'
                s = sum(struct.unpack('!%%dH' %% (len(data) // 2), data))
                while s >> 16: s = (s & 0xFFFF) + (s >> 16)
                return ~s & 0xFFFF
            def udp4(src, dst, sport, dport, payload):
                udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
                pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 17, len(udp))
                udp = udp[:6] + struct.pack('!H', csum(pseudo + udp) or 0xFFFF) + udp[8:]
                ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0x4242, 0x4000, 64, 17, 0,
                                 socket.inet_aton(src), socket.inet_aton(dst))
                return ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + udp
            raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); raw.bind((a_if, 0))
            a_mac = raw.getsockname()[4]
            dgram = udp4('10.77.0.1', b_ip, 40000, %3$d, b'tagged')
            raw.send(b_mac + a_mac + struct.pack('!HH', 0x8100, (3 << 13) | 10) + b'\\x08\\x00' + dgram)
            raw.send(b_mac + a_mac + struct.pack('!HHHH', 0x88A8, 20, 0x8100, 30) + b'\\x08\\x00' + dgram)
            time.sleep(0.1)
            """.formatted(UDP_ECHO_PORT, UDP_CLOSED_PORT, UDP_VLAN_PORT);

    private KernelTraffic() {
    }

    /**
     * The pair this traffic runs on: fixed addresses (the recorded capture and {@link CaptureVerifier}
     * know them), IPv6 on, checksums computed in software so the capture holds finished ones.
     */
    static NetnsPair newPair() {
        return NetnsPair.spec("proto").ipv4(A_IP, B_IP).ipv6(A_IP6, B_IP6).softwareChecksums().create();
    }

    static final String A_IP = "10.77.0.1";
    static final String B_IP = "10.77.0.2";
    static final String A_IP6 = "fd77::1";
    static final String B_IP6 = "fd77::2";

    /** Runs all the traffic and returns the bytes of the pcap file tcpdump wrote. */
    static byte[] capture(NetnsPair pair, Path workDir) throws Exception {
        Path www = Files.createDirectories(workDir.resolve("www"));
        Files.writeString(www.resolve("index.html"), "<p>sluice proto capture</p>\n");
        pair.start(pair.nsB, "python3", "-c", UDP_ECHO_SERVER);
        pair.start(pair.nsB, "python3", "-m", "http.server", String.valueOf(HTTP_PORT), "--bind", "::", "--directory", www.toString());
        awaitListening(pair, "-lun", ":" + UDP_ECHO_PORT);
        awaitListening(pair, "-ltn", ":" + HTTP_PORT);
        String bMac = pair.exec(pair.nsB, "cat", "/sys/class/net/" + pair.ifB + "/address").trim().replace(":", "");

        Path pcap = workDir.resolve("capture.pcap");
        // --immediate-mode: without it libpcap's TPACKET_V3 blocks hold packets up to the block
        // timeout, and the packets of the last second were lost when tcpdump was stopped.
        Process tcpdump = pair.start(pair.nsB, "tcpdump", "-i", pair.ifB, "-n", "--immediate-mode", "-U", "-s", "0", "-w", pcap.toString());
        awaitListeningOn(tcpdump);
        long carriedBefore = carried(pair);

        pair.exec(pair.nsA, "ping", "-c", "2", "-i", "0.2", "-W", "2", B_IP);
        pair.exec(pair.nsA, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", B_IP6);
        pair.exec(pair.nsA, "ping", "-R", "-c", "1", "-W", "2", B_IP);
        pair.exec(pair.nsA, "python3", "-c", CLIENT, B_IP, B_IP6, bMac, pair.ifA);
        pair.exec(pair.nsA, "curl", "-sS", "-o", "/dev/null", "--max-time", "5", "http://" + B_IP + ":" + HTTP_PORT + "/");
        pair.exec(pair.nsA, "curl", "-sS", "-o", "/dev/null", "--max-time", "5", "http://[" + B_IP6 + "]:" + HTTP_PORT + "/");
        pair.exec(pair.nsA, "ping", "-c", "1", "-s", "3000", "-W", "2", B_IP);
        pair.exec(pair.nsA, "ping", "-6", "-c", "1", "-s", "3000", "-W", "2", B_IP6);
        // The capture is complete once it holds every packet B's end has carried (both directions;
        // with offloads off each is counted once): the last replies and FIN/ACKs included.
        long carried = carried(pair) - carriedBefore;
        Await.until(() -> packetsIn(pcap) >= carried, Duration.ofSeconds(30),
                () -> "tcpdump to write the " + carried + " packets " + pair.ifB + " carried; the file has " + packetsIn(pcap));

        tcpdump.destroy(); // SIGTERM: tcpdump flushes and closes the file
        if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("tcpdump did not stop");
        }
        return Files.readAllBytes(pcap);
    }

    private static void awaitListening(NetnsPair pair, String ssFlags, String port) {
        Await.until(() -> pair.exec(pair.nsB, "ss", "-H", ssFlags).contains(port + " "), Duration.ofSeconds(30),
                "a listener on " + port + " in " + pair.nsB);
    }

    /** Packets B's end of the veth received and sent, as the kernel counts them. */
    private static long carried(NetnsPair pair) {
        return pair.linkCounter(pair.nsB, pair.ifB, "rx_packets") + pair.linkCounter(pair.nsB, pair.ifB, "tx_packets");
    }

    /** Complete records in a pcap file that tcpdump may still be writing. */
    private static long packetsIn(Path pcap) {
        byte[] b;
        try {
            b = Files.readAllBytes(pcap);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (b.length < PcapReader.GLOBAL_HEADER) {
            return 0;
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt(0);
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            buf.order(ByteOrder.BIG_ENDIAN);
        }
        long n = 0;
        int at = PcapReader.GLOBAL_HEADER;
        while (at + PcapReader.RECORD_HEADER <= b.length) {
            int next = at + PcapReader.RECORD_HEADER + buf.getInt(at + 8);
            if (next > b.length) {
                break;
            }
            n++;
            at = next;
        }
        return n;
    }

    /** tcpdump says "listening on ..." on stderr once the capture is live. */
    private static void awaitListeningOn(Process tcpdump) throws Exception {
        BufferedReader err = new BufferedReader(new InputStreamReader(tcpdump.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        String line;
        while ((line = err.readLine()) != null && !line.contains("listening on")) {
            said.append(line).append('\n');
        }
        if (line == null) {
            throw new IllegalStateException("tcpdump did not start: " + said);
        }
        Thread drain = new Thread(() -> {
            try {
                while (err.readLine() != null) {
                    // keep the pipe from filling
                }
            } catch (Exception ignored) {
                // tcpdump ended
            }
        });
        drain.setDaemon(true);
        drain.start();
    }
}
