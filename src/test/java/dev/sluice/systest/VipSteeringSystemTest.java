package dev.sluice.systest;

import dev.sluice.counters.CountersFile;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.drivers.xdp.XdpCounters;
import dev.sluice.drivers.xdp.XdpProgramCounters;
import dev.sluice.proto.HeaderWalk;
import dev.sluice.proto.IpProtocol;
import dev.sluice.sys.NetNs;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * VIP steering on a real veth: namespace B is a client that routes two VIPs (IPv4 and IPv6) via
 * A's addresses; A runs the steering program with one VIP rule per VIP, protocol and port, and also
 * holds the VIPs on its loopback, so that its kernel would answer anything the program leaves to it.
 * B's kernel sockets (and ping, and python's raw and AF_PACKET sockets for the ICMP errors and a
 * routing header) send:
 *
 * <ul>
 *   <li>to the AF_XDP socket: UDP and TCP to the VIPs' ports, an IPv4 and an IPv6 datagram the
 *       kernel fragments (first and later fragments), IPv6 with hop-by-hop and destination options
 *       and with a routing header, ICMP echo and fragmentation needed, ICMPv6 echo and packet too
 *       big;</li>
 *   <li>to A's kernel: ARP and neighbour discovery (B resolves A without static entries), ping of
 *       A's own addresses (answered), TCP to A's own addresses and to another port of the VIPs
 *       (connected), UDP to another port of the VIPs (received by a kernel socket).</li>
 * </ul>
 *
 * Nothing else reaches the AF_XDP socket; the program's verdict counters, copied into a counters
 * file, are read back with {@code sluice stat --once}.
 */
class VipSteeringSystemTest {
    private static final String VIP4 = "192.0.2.100";
    private static final String VIP6 = "2001:db8:5::100";
    private static final int UDP_PORT = 5353;
    private static final int TCP_PORT = 80;
    private static final int OTHER_UDP_PORT = 5354;
    private static final int HOST_TCP_PORT = 8080;

    /** What B sends that must reach the AF_XDP socket, as {@link #label} names it. */
    private static final Set<String> STEERED = Set.of(
            "v4 udp 5353",
            "v4 first-fragment udp 5353",
            "v4 later-fragment udp",
            "v4 tcp 80",
            "v4 icmp 8/0",
            "v4 icmp 3/4",
            "v6 udp 5353",
            "v6 udp 5353 +hbh+dst",
            "v6 udp 5353 +rt",
            "v6 first-fragment udp 5353 +frag",
            "v6 later-fragment udp +frag",
            "v6 tcp 80",
            "v6 icmp 128/0",
            "v6 icmp 2/0");

    /** B's crafted senders: raw ICMP/ICMPv6 sockets, sticky IPv6 options on a UDP socket, and AF_PACKET. */
    private static final String SENDERS = """
            import socket, struct, sys
            def csum(b):
                b += b'\\0' * (len(b) % 2)
                s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
                while s >> 16:
                    s = (s & 0xffff) + (s >> 16)
                return ~s & 0xffff
            mode = sys.argv[1]
            if mode == 'frag-needed':   # ICMP 3/4 to the VIP about a TCP segment the VIP sent to the client
                vip, client = sys.argv[2], sys.argv[3]
                quoted = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 1500, 1, 0x4000, 64, 6, 0,
                                     socket.inet_aton(vip), socket.inet_aton(client)) + struct.pack('!HHI', 80, 40000, 1)
                icmp = struct.pack('!BBHHH', 3, 4, 0, 0, 1400) + quoted
                icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
                socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(icmp, (vip, 0))
            elif mode == 'ptb':         # ICMPv6 packet too big (the kernel computes the checksum)
                vip, client = sys.argv[2], sys.argv[3]
                quoted = struct.pack('!IHBB16s16s', 0x60000000, 8, 6, 64, socket.inet_pton(socket.AF_INET6, vip),
                                     socket.inet_pton(socket.AF_INET6, client)) + struct.pack('!HHI', 80, 40000, 1)
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
                s.sendto(struct.pack('!BBHI', 2, 0, 0, 1280) + quoted, (vip, 0))
            elif mode == 'options':     # UDP with hop-by-hop and destination options (PadN)
                vip, port = sys.argv[2], int(sys.argv[3])
                s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                pad = bytes([0, 0, 1, 4, 0, 0, 0, 0])
                s.setsockopt(socket.IPPROTO_IPV6, 54, pad)  # IPV6_HOPOPTS
                s.setsockopt(socket.IPPROTO_IPV6, 59, pad)  # IPV6_DSTOPTS
                s.sendto(b'x' * 16, (vip, port))
            elif mode == 'routing':     # a frame with a routing header (type 0, no segments left) on the link
                ifname, src_mac, dst_mac, src, vip, port = sys.argv[2:8]
                udp = struct.pack('!HHHH', 40000, int(port), 24, 0) + b'y' * 16
                rt = struct.pack('!BBBB4x', 17, 0, 0, 0)
                ip6 = struct.pack('!IHBB16s16s', 0x60000000, len(rt) + len(udp), 43, 64,
                                  socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, vip))
                eth = bytes.fromhex(dst_mac.replace(':', '')) + bytes.fromhex(src_mac.replace(':', '')) + b'\\x86\\xdd'
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                s.bind((ifname, 0))
                s.send(eth + ip6 + rt + udp)
            """;

    @TempDir
    Path runDir;

    @BeforeEach
    void privileged() {
        Privileged.requireAfXdp("runs AF_XDP sockets in network namespaces");
        Privileged.requireNamespaces("runs sockets in network namespaces");
        Privileged.requireTool("python3", "sends ICMP errors and IPv6 options from raw sockets");
        Privileged.requireTool("ping", "pings the VIPs and the host");
    }

    @Test
    void vipTrafficReachesTheSocketAndTheHostKeepsEverythingElse() throws Exception {
        try (NetnsPair box = NetnsPair.spec("vip").ipv6("fd5e::1", "fd5e::2").create()) {
            box.exec(box.nsA, "ip", "addr", "add", VIP4 + "/32", "dev", "lo");
            box.exec(box.nsA, "ip", "-6", "addr", "add", VIP6 + "/128", "dev", "lo");
            box.exec(box.nsB, "ip", "route", "add", VIP4 + "/32", "via", box.ipA);
            box.exec(box.nsB, "ip", "-6", "route", "add", VIP6 + "/128", "via", box.ip6A);
            List<SteeringRule> vips = List.of(
                    SteeringRule.vip(InetAddress.getByName(VIP4), SteeringRule.UDP, UDP_PORT),
                    SteeringRule.vip(InetAddress.getByName(VIP4), SteeringRule.TCP, TCP_PORT),
                    SteeringRule.vip(InetAddress.getByName(VIP6), SteeringRule.UDP, UDP_PORT),
                    SteeringRule.vip(InetAddress.getByName(VIP6), SteeringRule.TCP, TCP_PORT));
            AfXdpOptions options = AfXdpOptions.defaults().withSteering(true).withSteeringRules(vips.size())
                    .withTrackFrames(true).withFramesInFlight(2048);
            int[] queues;
            try (NetNs.Scope ignored = NetNs.enter(box.nsA)) {
                queues = AfXdpInterface.allQueues(box.ifA);
            }
            try (AfXdpInterface iface = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, queues, options);
                 CountersFile counters = CountersFile.create(runDir, "vip-steering", "VipSteeringSystemTest", 16);
                 DatagramChannel otherPort4 = Traffic.bindUdp(box.nsA, VIP4, OTHER_UDP_PORT);
                 DatagramChannel otherPort6 = Traffic.bindUdp(box.nsA, VIP6, OTHER_UDP_PORT);
                 DatagramChannel vipPort4 = Traffic.bindUdp(box.nsA, VIP4, UDP_PORT);
                 DatagramChannel vipPort6 = Traffic.bindUdp(box.nsA, VIP6, UDP_PORT)) {
                for (SteeringRule vip : vips) {
                    assertThat(iface.steer(vip)).isTrue();
                }
                assertThatThrownBy(() -> iface.steer(SteeringRule.vip(InetAddress.getByName(VIP4), SteeringRule.TCP, 443)))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("cannot steer 192.0.2.100:443/tcp vip on " + box.ifA + ": its steering program holds at most "
                                + "4 rules (AfXdpOptions.withSteeringRules)");
                XdpProgramCounters xdp = XdpProgramCounters.allocate(counters, iface.program(), box.ifA);

                Map<String, Integer> seen = new ConcurrentHashMap<>();
                List<String> stray = new CopyOnWriteArrayList<>();
                AtomicBoolean running = new AtomicBoolean(true);
                List<Thread> pollers = new ArrayList<>();
                for (AfXdpQueue port : iface.queues()) {
                    Thread poller = new Thread(() -> poll(port, running, seen, stray), "vip-poller-" + port.queueId());
                    poller.start();
                    pollers.add(poller);
                }
                try (Sockets b = new Sockets()) {
                    // 1. What the host keeps: B finds A by ARP and neighbour discovery, pings it, connects to it.
                    assertThat(box.exec(box.nsB, "ping", "-c", "2", "-i", "0.2", "-W", "5", box.ipA)).contains("2 received");
                    assertThat(box.exec(box.nsB, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "5", box.ip6A)).contains("2 received");
                    assertThat(box.exec(box.nsB, "ip", "neigh", "show", box.ipA)).as("ARP resolved A").contains(box.macA());
                    assertThat(box.exec(box.nsB, "ip", "-6", "neigh", "show", box.ip6A)).as("ND resolved A").contains(box.macA());
                    try (AutoCloseable listener = listen(box.nsA, HOST_TCP_PORT)) {
                        for (String host : List.of(box.ipA, box.ip6A, VIP4, VIP6)) {
                            assertThat(connects(box.nsB, host, HOST_TCP_PORT)).as("TCP to " + host + " port " + HOST_TCP_PORT)
                                    .isTrue();
                        }
                    }
                    b.udp(box.nsB, VIP4, OTHER_UDP_PORT, 100);
                    b.udp(box.nsB, VIP6, OTHER_UDP_PORT, 100);
                    assertThat(receive(otherPort4, 1)).as("UDP to another port of the IPv4 VIP, at A's kernel socket").isEqualTo(1);
                    assertThat(receive(otherPort6, 1)).as("UDP to another port of the IPv6 VIP, at A's kernel socket").isEqualTo(1);

                    // 2. What the balancer takes, from B's kernel sockets (and python's) to the VIPs.
                    b.udp(box.nsB, VIP4, UDP_PORT, 100);
                    b.udp(box.nsB, VIP4, UDP_PORT, 3000); // the kernel fragments it: first and later fragments
                    b.udp(box.nsB, VIP6, UDP_PORT, 100);
                    b.udp(box.nsB, VIP6, UDP_PORT, 3000);
                    b.connectLater(box.nsB, VIP4, TCP_PORT);
                    b.connectLater(box.nsB, VIP6, TCP_PORT);
                    String ping = runIgnoringExit("ip", "netns", "exec", box.nsB, "ping", "-c", "1", "-W", "2", VIP4);
                    assertThat(ping).as("the echo request went to the socket, not to the kernel that holds the VIP")
                            .contains("0 received");
                    runIgnoringExit("ip", "netns", "exec", box.nsB, "ping", "-6", "-c", "1", "-W", "1", VIP6);
                    python(box.nsB, "frag-needed", VIP4, box.ipB);
                    python(box.nsB, "ptb", VIP6, box.ip6B);
                    python(box.nsB, "options", VIP6, Integer.toString(UDP_PORT));
                    python(box.nsB, "routing", box.ifB, box.macB(), box.macA(), box.ip6B, VIP6, Integer.toString(UDP_PORT));

                    Await.until(() -> seen.keySet().containsAll(STEERED), Duration.ofSeconds(60),
                            () -> "VIP traffic at the AF_XDP socket: " + new TreeMap<>(seen) + ", expected " + STEERED);
                } finally {
                    running.set(false);
                    for (Thread poller : pollers) {
                        poller.join(5000);
                    }
                }
                for (AfXdpQueue port : iface.queues()) {
                    drain(port, seen, stray); // what arrived as the pollers stopped, so the counters match
                }
                assertThat(stray).as("packets at the AF_XDP socket that no VIP rule takes").isEmpty();
                assertThat(seen.keySet()).as("kinds of packets at the AF_XDP socket").isEqualTo(STEERED);
                // Every steered datagram reached the AF_XDP socket, and the kernel would have queued a
                // leaked one in the same pass as the XDP verdict on it: what is queued now is all.
                assertThat(receive(vipPort4, 0)).as("datagrams to the IPv4 VIP's port leaking to A's kernel").isZero();
                assertThat(receive(vipPort6, 0)).as("datagrams to the IPv6 VIP's port leaking to A's kernel").isZero();

                // 3. The program's counters, in the counters file, read by another process.
                XdpCounters c = xdp.update().orElseThrow();
                int steered = seen.values().stream().mapToInt(Integer::intValue).sum();
                assertThat(c.redirected()).as(c.toString()).isEqualTo(steered);
                assertThat(c.notMatched()).as(c.toString()).isPositive();
                counters.heartbeat();
                Cli.Result once = Cli.run(List.of("env", "SLUICE_RUN_DIR=" + runDir), 60, "stat", "--once");
                assertThat(once.exit()).as(once.err()).isZero();
                Map<String, Long> read = StatSystemTest.parseOnce(once.out());
                String group = "xdp iface=" + box.ifA + " ";
                assertThat(read).containsEntry(group + "redirected", c.redirected())
                        .containsEntry(group + "not_matched", c.notMatched())
                        .containsEntry(group + "no_socket", c.noSocket())
                        .containsEntry(group + "not_ip", c.notIp())
                        .containsEntry(group + "malformed", c.malformed());
                AfXdpPortSystemTest.assertAllFramesAccounted(iface);
            }
        }
    }

    /**
     * A veth made without a queue count allocates one RX queue per CPU and uses one; made with two,
     * it uses two. allQueues and the queue check count the queues in use, which the bind checks.
     */
    @Test
    void allQueuesAreTheQueuesTheDriverUses() throws Exception {
        try (NetnsPair single = NetnsPair.create("vipq1");
             NetnsPair dual = NetnsPair.spec("vipq2").queues(2).create()) {
            try (NetNs.Scope ignored = NetNs.enter(single.nsA)) {
                assertThat(AfXdpInterface.allQueues(single.ifA)).containsExactly(0);
                assertThatThrownBy(() -> AfXdpInterface.open(single.ifA, new int[] {0, 1}, UmemConfig.defaults(),
                        AfXdpOptions.defaults()))
                        .isInstanceOfSatisfying(PortSetupException.class,
                                e -> assertThat(e.reason()).isEqualTo(PortSetupException.Reason.QUEUE_OUT_OF_RANGE))
                        .hasMessage("queue 1 is out of range: " + single.ifA + " has 1 RX queue");
                assertThatThrownBy(() -> AfXdpInterface.allQueues("nosuch0")).isInstanceOf(PortSetupException.class)
                        .hasMessage("no network interface named 'nosuch0' (see 'ip link')");
            }
            try (NetNs.Scope ignored = NetNs.enter(dual.nsA)) {
                assertThat(AfXdpInterface.allQueues(dual.ifA)).containsExactly(0, 1);
            }
        }
    }

    /** Receives from the AF_XDP queue until told to stop, naming each packet. */
    private static void poll(AfXdpQueue port, AtomicBoolean running, Map<String, Integer> seen, List<String> stray) {
        PacketBatch batch = port.newBatch(64);
        while (running.get()) {
            if (port.receive(batch) == 0) {
                Thread.onSpinWait();
                continue;
            }
            record(port, batch, seen, stray);
        }
    }

    /** Receives what is still in the queue's RX ring once its poller stopped (B's sockets are closed by then). */
    private static void drain(AfXdpQueue port, Map<String, Integer> seen, List<String> stray) {
        PacketBatch batch = port.newBatch(64);
        while (port.receive(batch) > 0) {
            record(port, batch, seen, stray);
        }
    }

    private static void record(AfXdpQueue port, PacketBatch batch, Map<String, Integer> seen, List<String> stray) {
        for (int i = 0; i < batch.count(); i++) {
            String label = label(batch.packet(i));
            if (STEERED.contains(label)) {
                seen.merge(label, 1, Integer::sum);
            } else {
                stray.add(label);
            }
        }
        port.release(batch);
    }

    /** "v4|v6 [first-fragment|later-fragment] PROTOCOL DETAIL [+EXTENSIONS]" for a packet to a VIP; else what it is. */
    static String label(Packet p) {
        byte[] frame = p.toArray();
        long walk = HeaderWalk.walk(MemorySegment.ofArray(frame), 0, frame.length);
        if (!HeaderWalk.hasAddresses(walk)) {
            return "not IP: " + HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 64));
        }
        int l3 = HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk));
        boolean v6 = HeaderWalk.isIpv6(walk);
        String destination;
        try {
            destination = InetAddress.getByAddress(Arrays.copyOfRange(frame, l3 + (v6 ? 24 : 16), l3 + (v6 ? 40 : 20)))
                    .getHostAddress();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        if (!sameAddress(destination, v6 ? VIP6 : VIP4)) {
            return "to " + destination;
        }
        StringBuilder s = new StringBuilder(v6 ? "v6" : "v4");
        if (HeaderWalk.isLaterFragment(walk)) {
            s.append(" later-fragment");
        } else if (HeaderWalk.isFragment(walk)) {
            s.append(" first-fragment");
        }
        int protocol = HeaderWalk.l4Protocol(walk);
        int l4 = HeaderWalk.l4Offset(walk);
        switch (protocol) {
            case IpProtocol.UDP -> s.append(" udp");
            case IpProtocol.TCP -> s.append(" tcp");
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> s.append(" icmp");
            default -> s.append(" protocol ").append(protocol);
        }
        if (HeaderWalk.hasPorts(walk)) {
            s.append(' ').append(((frame[l4 + 2] & 0xff) << 8) | (frame[l4 + 3] & 0xff));
        } else if ((protocol == IpProtocol.ICMP || protocol == IpProtocol.ICMPV6) && !HeaderWalk.isLaterFragment(walk)) {
            s.append(' ').append(frame[l4] & 0xff).append('/').append(frame[l4 + 1] & 0xff);
        }
        int extensions = HeaderWalk.extensionMask(walk);
        if (extensions != 0) {
            s.append(' ');
            if ((extensions & HeaderWalk.EXT_HOP_BY_HOP) != 0) {
                s.append("+hbh");
            }
            if ((extensions & HeaderWalk.EXT_ROUTING) != 0) {
                s.append("+rt");
            }
            if ((extensions & HeaderWalk.EXT_FRAGMENT) != 0) {
                s.append("+frag");
            }
            if ((extensions & HeaderWalk.EXT_DESTINATION_OPTIONS) != 0) {
                s.append("+dst");
            }
        }
        return s.toString();
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** B's kernel sockets, kept open until the end (a connect in progress keeps sending SYNs). */
    private static final class Sockets implements AutoCloseable {
        private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

        /** One datagram of {@code size} payload bytes from a kernel UDP socket in {@code ns}. */
        void udp(String ns, String host, int port, int size) throws Exception {
            DatagramChannel ch = inNamespace(ns, DatagramChannel::open);
            open.add(ch);
            ch.send(ByteBuffer.allocate(size), new InetSocketAddress(host, port));
        }

        /** Starts a TCP connect (its SYN) that nobody will answer. */
        void connectLater(String ns, String host, int port) throws Exception {
            SocketChannel ch = inNamespace(ns, SocketChannel::open);
            open.add(ch);
            ch.configureBlocking(false);
            ch.connect(new InetSocketAddress(host, port));
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    /** A TCP listener on every address of {@code ns}, {@code port}. */
    private static AutoCloseable listen(String ns, int port) throws Exception {
        java.nio.channels.ServerSocketChannel server = inNamespace(ns, java.nio.channels.ServerSocketChannel::open);
        server.bind(new InetSocketAddress(port));
        return server;
    }

    private static boolean connects(String ns, String host, int port) throws Exception {
        return inNamespace(ns, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 20_000);
                return true;
            }
        });
    }

    /** Datagrams at a kernel socket: waits until {@code expect} arrived (or the deadline passed); 0: what is queued now. */
    private static int receive(DatagramChannel ch, int expect) throws IOException {
        ch.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(4096);
        int[] n = {0};
        Await.holdsWithin(() -> {
            try {
                for (buf.clear(); ch.receive(buf) != null; buf.clear()) {
                    n[0]++;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return n[0] >= expect;
        }, Duration.ofSeconds(30));
        return n[0];
    }

    /** Runs {@code body} on a thread inside {@code ns}; sockets it opens stay in that namespace. */
    private static <T> T inNamespace(String ns, Callable<T> body) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (NetNs.Scope ignored = NetNs.enter(ns)) {
                f.complete(body.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "in-" + ns);
        t.start();
        return f.get(60, TimeUnit.SECONDS);
    }

    private static void python(String ns, String... args) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns, "python3", "-c", SENDERS));
        c.addAll(List.of(args));
        Commands.run(c.toArray(String[]::new));
    }

    private static String runIgnoringExit(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
