package dev.sluice.systest;

import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice lb} in its encapsulating modes, end to end: a client's TCP SYNs to three VIPs leave
 * the balancer as IPIP (IPv4 in IPv4), IP6IP6 and GUE (IPv6 in UDP over IPv4), addressed to the
 * backend through the next hop the kernel's route names (here on-link: the backend itself). This
 * kernel cannot decapsulate (no IPIP or FOU modules), so the backend only captures what arrives
 * and tshark decodes it: outer and inner addresses, the inner port, the outer checksum.
 */
class LbEncapsulationSystemTest {
    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs a balancer, a client and backends in network namespaces");
        for (String tool : List.of("curl", "tcpdump", "tshark", "ethtool")) {
            Privileged.requireTool(tool, "captures and decodes the balancer's encapsulated output");
        }
    }

    @Test
    void ipipIp6ip6AndGueReachTheBackendDecodable() throws Exception {
        try (LbSandbox box = LbSandbox.create("encap", 2)) {
            String config = """
                    interface: %s
                    vips:
                      - name: ipip4
                        address: %s
                        protocol: tcp
                        port: 80
                        forwarding: ipip
                        backends:
                          - {address: %s}
                      - name: ip6ip6
                        address: %s
                        protocol: tcp
                        port: 8080
                        forwarding: ipip
                        backends:
                          - {address: %s}
                      - name: gue6in4
                        address: %s
                        protocol: tcp
                        port: 80
                        forwarding: gue
                        gue-port: 6080
                        backends:
                          - {address: %s}
                    """.formatted(box.lbIf, LbSandbox.VIP4, LbSandbox.backend4(1), LbSandbox.VIP6, LbSandbox.backend6(1),
                    LbSandbox.VIP6, LbSandbox.backend4(2));
            Path pcap1 = box.dir().resolve("b1.pcap");
            Path pcap2 = box.dir().resolve("b2.pcap");
            try (LbProcess lb = box.startBalancer(config);
                 PcapWriter c1 = PcapWriter.start(box.backendNs.get(0), box.backendIf.get(0), pcap1, "not arp and not icmp6");
                 PcapWriter c2 = PcapWriter.start(box.backendNs.get(1), box.backendIf.get(1), pcap2, "not arp and not icmp6")) {
                // Each curl sends SYNs that no backend answers (it cannot decapsulate): a second is enough.
                synOnly(box, "http://" + LbSandbox.VIP4 + "/");
                synOnly(box, "http://[" + LbSandbox.VIP6 + "]:8080/");
                synOnly(box, "http://[" + LbSandbox.VIP6 + "]/");
                String ipip = "ip.proto == 4 && tcp.dstport == 80";
                String ip6ip6 = "ipv6.nxt == 41 && tcp.dstport == 8080";
                String gue = "udp.dstport == 6080 && tcp.dstport == 80";
                awaitDecoded(pcap1, ipip, lb);
                awaitDecoded(pcap1, ip6ip6, lb);
                awaitDecoded(pcap2, gue, lb);

                // IPIP: outer balancer -> backend 1 (TTL 64, checksum good), inner client -> VIP.
                assertThat(fields(pcap1, ipip, "ip.src", "ip.dst", "ip.checksum.status", "tcp.dstport").getFirst())
                        .isEqualTo(String.join("\t", LbSandbox.LB4 + "," + LbSandbox.CLIENT4,
                                LbSandbox.backend4(1) + "," + LbSandbox.VIP4, "1,1", "80"));
                // IP6IP6: outer balancer -> backend 1, inner client -> VIP.
                assertThat(fields(pcap1, ip6ip6, "ipv6.src", "ipv6.dst", "tcp.dstport").getFirst())
                        .isEqualTo(String.join("\t", LbSandbox.LB6 + "," + LbSandbox.CLIENT6,
                                LbSandbox.backend6(1) + "," + LbSandbox.VIP6, "8080"));
                // GUE variant 1: IPv6 directly in UDP to port 6080 over IPv4.
                assertThat(fields(pcap2, gue, "ip.src", "ip.dst", "ip.checksum.status", "ipv6.src", "ipv6.dst").getFirst())
                        .isEqualTo(String.join("\t", LbSandbox.LB4, LbSandbox.backend4(2), "1",
                                LbSandbox.CLIENT6, LbSandbox.VIP6));
                // SIGINT ends the JVM with 130 (128 + 2) once the shutdown hook has let the summary out
                assertThat(lb.interrupt()).as(lb.output()).isEqualTo(130);
            }
            assertThat(box.xdpAttached()).isFalse();
        }
    }

    private static void synOnly(LbSandbox box, String url) {
        try {
            box.exec(box.clientNs, "curl", "-s", "--max-time", "1", url);
            throw new AssertionError("a backend answered " + url + ": it cannot decapsulate here");
        } catch (IllegalStateException expected) {
            // curl timed out: the SYNs went out
        }
    }

    private static void awaitDecoded(Path pcap, String filter, LbProcess lb) {
        Await.until(() -> !fields(pcap, filter, "frame.number").isEmpty(), Duration.ofSeconds(30),
                () -> "a packet matching '" + filter + "' in " + pcap + "; balancer:\n" + lb.output()
                        + "\ncapture:\n" + tshark(pcap, "", List.of()));
    }

    /** The fields of each packet matching {@code filter}, tab-separated, one line per packet. */
    static List<String> fields(Path pcap, String filter, String... fields) {
        List<String> args = new java.util.ArrayList<>(List.of("-T", "fields"));
        for (String f : fields) {
            args.add("-e");
            args.add(f);
        }
        return tshark(pcap, filter, args).lines().filter(l -> !l.isBlank()).toList();
    }

    private static String tshark(Path pcap, String filter, List<String> more) {
        if (!Files.exists(pcap)) {
            return "";
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
                "-d", "udp.port==6080,ipv6"));
        if (!filter.isEmpty()) {
            cmd.add("-Y");
            cmd.add(filter);
        }
        cmd.addAll(more);
        String out = Commands.run(cmd.toArray(String[]::new));
        // tshark warns about running as root on standard error, which Commands merges in
        return out.lines().filter(l -> !l.startsWith("Running as user")).reduce("", (a, b) -> a + b + "\n");
    }

    /** tcpdump writing a pcap file in a namespace, each packet as it arrives ({@code -U}). */
    static final class PcapWriter implements AutoCloseable {
        private final Process process;

        private PcapWriter(Process process) {
            this.process = process;
        }

        static PcapWriter start(String netns, String ifname, Path file, String filter) throws Exception {
            Process p = Capture.startListening(List.of("ip", "netns", "exec", netns, "tcpdump", "-U", "-nn", "-i", ifname,
                    "-w", file.toString(), filter));
            return new PcapWriter(p);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
