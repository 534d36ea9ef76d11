package dev.sluice.systest;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.drivers.afpacket.AfPacketFrameCounts;
import dev.sluice.drivers.afpacket.AfPacketOptions;
import dev.sluice.drivers.afpacket.AfPacketPort;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.NetNs;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real AF_PACKET sockets (TPACKET_V3 rings) on a veth pair between two namespaces, with traffic
 * from and to kernel UDP sockets. Every scenario ends by checking that every pool frame, RX block
 * and TX frame of the port is accounted for.
 *
 * <p>Unlike AF_XDP, AF_PACKET takes a copy and the kernel of namespace A still gets every packet:
 * a UDP socket in A absorbs the test datagrams so that A does not answer with ICMP port-unreachable
 * (which would make the connected sender in B fail).
 */
class AfPacketSystemTest {
    private static final int PORT = 7777;
    private static final int PAYLOAD = 64;

    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs sockets in network namespaces");
    }

    static AfPacketPort openIn(String netns, String ifname, AfPacketOptions options) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return AfPacketPort.open(ifname, options);
        }
    }

    /** Reads what is still in the RX ring, then checks the three budgets. */
    static void assertAllFramesAccounted(AfPacketPort port) {
        PacketBatch batch = port.newBatch(64);
        while (port.receive(batch) > 0) {
            port.release(batch);
        }
        port.drainTx(2000);
        AfPacketFrameCounts c = port.frameCounts();
        assertThat(c.poolApp()).as("frames still held by the application: " + c).isZero();
        assertThat(c.poolFree()).as("pool frames free: " + c).isEqualTo(c.poolFrames());
        assertThat(c.txInFlight()).as("TX frames still in flight: " + c).isZero();
        assertThat(c.rxBlocksHeld()).as("RX blocks held after reading everything: " + c).isZero();
        assertThat(c.rxBlocksInconsistent()).as("RX blocks both ours and the kernel's: " + c).isZero();
        assertThat(c.balanced()).as("every budget adds up: " + c).isTrue();
    }

    @Test
    void tenThousandNumberedDatagramsArriveCompleteAndIntact() throws Exception {
        int count = 10_000;
        try (NetnsPair box = NetnsPair.create("pkrx");
             DatagramChannel sink = Traffic.bindUdp(box.nsA, box.ipA, PORT)) {
            box.staticNeighbours();
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults())) {
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                CompletableFuture<Long> sender = Traffic.sendNumbered(box.nsB, box.ipA, PORT, count, PAYLOAD, 16, 200_000);
                PacketBatch batch = port.newBatch(64);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!got.complete() && System.nanoTime() < deadline) {
                    if (port.receive(batch) == 0) {
                        port.awaitReceive(10);
                        continue;
                    }
                    for (int i = 0; i < batch.count(); i++) {
                        got.record(batch.packet(i), box.ipA);
                    }
                    port.release(batch);
                }
                assertThat(sender.get(10, TimeUnit.SECONDS)).isEqualTo(count);
                assertThat(got.duplicates).as("duplicates").isZero();
                assertThat(got.corrupt).as("corrupt datagrams").isZero();
                assertThat(got.distinct()).as("distinct datagrams received; kernel says " + port.statistics())
                        .isEqualTo(count);
                assertThat(port.counters().get(PortCounters.RX_PACKETS)).isEqualTo(count + got.foreign);
                assertThat(port.rxOversize()).isZero();
                assertThat(port.statistics().drops()).as("kernel drops").isZero();
                assertThat(port.statistics().packets()).as("packets the kernel counted").isGreaterThanOrEqualTo(count);
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void framesSentThroughTheTxRingArriveAtAKernelSocketWithValidChecksums() throws Exception {
        int count = 2_000;
        try (NetnsPair box = NetnsPair.create("pktx");
             DatagramChannel receiver = Traffic.bindUdp(box.nsB, box.ipB, PORT)) {
            box.staticNeighbours();
            // A small TX ring, so that the test also runs the ring round many times.
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withTxFrames(64))) {
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                int sent = got.send(port, () -> port.drainTx(1000), box, receiver);
                assertThat(sent).isEqualTo(count);
                assertThat(port.counters().get(PortCounters.TX_RING_FULL)).isZero();
                got.drain(receiver, 5000);
                // The kernel drops UDP datagrams with a bad IP or UDP checksum before the socket:
                // arriving at all proves both checksums valid.
                assertThat(got.corrupt).isZero();
                assertThat(got.distinct()).as("datagrams that reached the kernel socket").isEqualTo(count);
                // PACKET_IGNORE_OUTGOING: the port's own transmissions never show up in its RX ring.
                PacketBatch rx = port.newBatch(64);
                long own = 0;
                while (port.receive(rx) > 0) {
                    for (int i = 0; i < rx.count(); i++) {
                        Packet p = rx.packet(i);
                        if (p.length() >= UdpFrames.HEADERS && p.getShort(12) == 0x0800
                                && p.getInt(UdpFrames.ETH + 16) == UdpFrames.ipv4(box.ipB)) {
                            own++;
                        }
                    }
                    port.release(rx);
                }
                assertThat(own).as("own TX frames seen by RX").isZero();
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void malformedAndOversizedPacketsAreDroppedAndCountedWithoutBlockingTheRing() throws Exception {
        try (NetnsPair box = NetnsPair.create("pkbad");
             DatagramChannel receiver = Traffic.bindUdp(box.nsB, box.ipB, PORT)) {
            box.staticNeighbours();
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withTxFrames(64))) {
                long macA = UdpFrames.mac(box.macA());
                long macB = UdpFrames.mac(box.macB());
                PacketBatch batch = port.newBatch(8);
                assertThat(port.allocate(batch, 4, 0)).isEqualTo(4);
                for (int i = 0; i < 4; i++) {
                    UdpFrames.write(batch.packet(i), macA, macB, UdpFrames.ipv4(box.ipA), UdpFrames.ipv4(box.ipB),
                            40000, PORT, UdpFrames.numbered(i, PAYLOAD));
                }
                batch.packet(1).setLength(10);                       // a runt: not even an Ethernet header
                batch.packet(2).setLength(port.maxTxLength() + 1);   // longer than the MTU allows
                assertThat(port.transmit(batch)).isEqualTo(2);
                port.drainTx(1000);
                assertThat(port.txInvalid()).isEqualTo(2);
                assertThat(port.counters().get(PortCounters.DROPPED)).isEqualTo(2);
                NumberedDatagrams got = new NumberedDatagrams(4, PORT, PAYLOAD);
                receiver.configureBlocking(false);
                Await.until(() -> {
                    drainQuietly(got, receiver);
                    return got.seen.get(0) && got.seen.get(3);
                }, Duration.ofSeconds(60), () -> "the good packets around the bad ones to arrive: " + got.seen);
                assertThat(got.seen.get(1) || got.seen.get(2)).as("the bad packets did not: " + got.seen).isFalse();
                assertThat(got.corrupt).isZero();
                assertAllFramesAccounted(port);
            }
        }
    }

    /** Datagrams in flight towards the port in {@link #macswapThroughTheForwarderReflectsTrafficBackToThePeer}. */
    private static final int WINDOW = 32;

    private static void drainQuietly(NumberedDatagrams got, DatagramChannel receiver) {
        try {
            got.drain(receiver, 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void macswapThroughThePipelineReflectsTrafficBackToThePeer() throws Exception {
        int count = 3_000;
        try (NetnsPair box = NetnsPair.create("pkswap");
             DatagramChannel sink = Traffic.bindUdp(box.nsA, box.ipA, PORT)) {
            box.staticNeighbours();
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults());
                 Capture capture = Capture.start(box.nsB, box.ifB, "inbound", "udp port " + PORT)) {
                Pipeline fwd = Pipeline.builder().port(port).idle("spin")
                        .handler(() -> new ForwardHandler(ForwardMode.MACSWAP)).start();
                // At most WINDOW datagrams in flight, so that a busy machine slows the test down
                // instead of overrunning the ring; drops the kernel still reports are accounted for.
                try (DatagramChannel sender = Traffic.connectUdp(box.nsB, box.ipA, PORT)) {
                    for (int sent = 0; sent < count; ) {
                        for (int end = Math.min(count, sent + WINDOW); sent < end; sent++) {
                            sender.write(ByteBuffer.wrap(UdpFrames.numbered(sent, PAYLOAD)));
                        }
                        long expected = sent;
                        Await.until(() -> port.counters().get(PortCounters.RX_PACKETS) + port.statistics().drops() >= expected,
                                Duration.ofSeconds(60), () -> expected + " datagrams received or dropped by the kernel; port "
                                        + port.counters().get(PortCounters.RX_PACKETS) + ", kernel " + port.statistics());
                    }
                    Await.until(() -> port.counters().get(PortCounters.TX_PACKETS) >= port.counters().get(PortCounters.RX_PACKETS),
                            Duration.ofSeconds(60), "every received frame transmitted");
                    long drops = port.statistics().drops();
                    capture.awaitPackets((int) (count - drops), 60_000);
                } finally {
                    fwd.close();
                }
                List<String> lines = capture.stop();
                long reflected = lines.stream().filter(l -> l.contains(box.macA() + " > " + box.macB())).count();
                long rx = port.counters().get(PortCounters.RX_PACKETS);
                long tx = port.counters().get(PortCounters.TX_PACKETS);
                long drops = port.statistics().drops();
                assertThat(rx + drops).as("received by the AF_PACKET port or dropped by the kernel").isGreaterThanOrEqualTo(count);
                assertThat(tx).as("transmitted by the AF_PACKET port").isEqualTo(rx);
                assertThat(reflected).as("frames that came back to " + box.ifB + " with swapped MACs; kernel " + port.statistics())
                        .isPositive().isBetween(count - drops, (long) count);
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void aFullPoolLeavesPacketsInTheRingUntilFramesComeBack() throws Exception {
        int count = 500;
        try (NetnsPair box = NetnsPair.create("pkpool");
             DatagramChannel sink = Traffic.bindUdp(box.nsA, box.ipA, PORT)) {
            box.staticNeighbours();
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withPoolFrames(64))) {
                Traffic.sendNumbered(box.nsB, box.ipA, PORT, count, PAYLOAD, 16, 200_000).get(30, TimeUnit.SECONDS);
                // Hold every frame: receiving stops at 64 and the rest waits in the ring (the last
                // block is handed over at the retire timeout).
                PacketBatch held = port.newBatch(64);
                Await.until(() -> {
                    port.receive(held);
                    return held.remaining() == 0;
                }, Duration.ofSeconds(60), () -> "64 frames held; got " + held.count());
                assertThat(held.count()).isEqualTo(64);
                PacketBatch more = port.newBatch(64);
                assertThat(port.receive(more)).as("nothing without free frames").isZero();
                assertThat(port.counters().get(PortCounters.FILL_STARVED)).isPositive();
                AfPacketFrameCounts c = port.frameCounts();
                assertThat(c.poolApp()).isEqualTo(64);
                assertThat(c.poolFree()).isZero();
                assertThat(c.rxBlocksHeld()).as("the block being read stays held while it has unread records").isEqualTo(1);
                assertThat(c.balanced()).as(c.toString()).isTrue();
                // Give the frames back: the rest comes out of the ring, nothing lost.
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                for (int i = 0; i < held.count(); i++) {
                    got.record(held.packet(i), box.ipA);
                }
                port.release(held);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!got.complete() && System.nanoTime() < deadline) {
                    if (port.receive(more) == 0) {
                        port.awaitReceive(10);
                        continue;
                    }
                    for (int i = 0; i < more.count(); i++) {
                        got.record(more.packet(i), box.ipA);
                    }
                    port.release(more);
                }
                assertThat(got.duplicates + got.corrupt).as("duplicates and corrupt datagrams").isZero();
                assertThat(got.distinct()).as("kernel says " + port.statistics()).isEqualTo(count);
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void twoPortsInOneFanoutGroupShareTheTraffic() throws Exception {
        int flows = 8;
        int perFlow = 250;
        try (NetnsPair box = NetnsPair.create("pkfan");
             DatagramChannel sink = Traffic.bindUdp(box.nsA, box.ipA, PORT)) {
            box.staticNeighbours();
            AfPacketOptions options = AfPacketOptions.defaults().withFanout(4242, AfPacketOptions.FanoutMode.LOAD_BALANCE);
            try (AfPacketPort first = openIn(box.nsA, box.ifA, options);
                 AfPacketPort second = openIn(box.nsA, box.ifA, options)) {
                CompletableFuture<?>[] senders = new CompletableFuture<?>[flows];
                for (int f = 0; f < flows; f++) {
                    senders[f] = Traffic.sendNumbered(box.nsB, box.ipA, PORT, perFlow, PAYLOAD, 8, 1_000_000);
                }
                AfPacketPort[] ports = {first, second};
                long[] ours = new long[2];
                PacketBatch batch = first.newBatch(64);
                PacketBatch batch2 = second.newBatch(64);
                PacketBatch[] batches = {batch, batch2};
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (ours[0] + ours[1] < (long) flows * perFlow && System.nanoTime() < deadline) {
                    boolean idle = true;
                    for (int k = 0; k < 2; k++) {
                        if (ports[k].receive(batches[k]) > 0) {
                            idle = false;
                            for (int i = 0; i < batches[k].count(); i++) {
                                Packet p = batches[k].packet(i);
                                if (p.length() >= UdpFrames.HEADERS && p.getShort(UdpFrames.ETH + 20 + 2) == PORT) {
                                    ours[k]++;
                                }
                            }
                            ports[k].release(batches[k]);
                        }
                    }
                    if (idle) {
                        Thread.onSpinWait();
                    }
                }
                CompletableFuture.allOf(senders).get(10, TimeUnit.SECONDS);
                assertThat(ours[0] + ours[1]).as("datagrams over both sockets").isEqualTo((long) flows * perFlow);
                assertThat(ours[0]).as("first socket").isPositive();
                assertThat(ours[1]).as("second socket").isPositive();
                assertAllFramesAccounted(first);
                assertAllFramesAccounted(second);
            }
            // A port that asks for the same group id with another mode is told why it cannot join.
            try (AfPacketPort first = openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withFanout(77, AfPacketOptions.FanoutMode.HASH))) {
                assertThatThrownBy(() -> openIn(box.nsA, box.ifA,
                        AfPacketOptions.defaults().withFanout(77, AfPacketOptions.FanoutMode.LOAD_BALANCE)))
                        .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.FANOUT_CONFLICT))
                        .hasMessageContaining("fanout group 77");
            }
        }
    }

    @Test
    void promiscuousModeLastsAsLongAsThePort() {
        try (NetnsPair box = NetnsPair.create("pkpromisc")) {
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withPromiscuous(true))) {
                // A socket's promiscuity is a counter on the device (not the PROMISC flag 'ip link' shows).
                assertThat(Commands.run("ip", "-d", "-n", box.nsA, "link", "show", "dev", box.ifA)).contains("promiscuity 1");
            }
            assertThat(Commands.run("ip", "-d", "-n", box.nsA, "link", "show", "dev", box.ifA)).contains("promiscuity 0");
        }
    }

    @Test
    void anUnknownInterfaceIsNamedInTheMessage() {
        try (NetnsPair box = NetnsPair.create("pkbadif")) {
            assertThatThrownBy(() -> openIn(box.nsA, "nope0", AfPacketOptions.defaults()))
                    .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_INTERFACE))
                    .hasMessage("no network interface named 'nope0' (see 'ip link')");
        }
    }

    @Test
    void ringsLargerThanTheMemoryAreRefusedWithAdvice() {
        try (NetnsPair box = NetnsPair.create("pkbig")) {
            long available = memAvailable();
            // 1 GiB blocks, more of them than half the free memory: refused before the kernel tries.
            int blocks = (int) (available / (1L << 30)) + 2;
            assertThatThrownBy(() -> openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withBlockSize(1 << 30).withBlockCount(blocks)))
                    .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.RINGS_TOO_LARGE))
                    .hasMessageStartingWith("ENOMEM: the AF_PACKET rings for " + box.ifA + " are too large")
                    .hasMessageContaining("MemAvailable")
                    .hasMessageContaining("use fewer or smaller blocks (AfPacketOptions.withBlockCount, withBlockSize)");
            // A million one-page blocks: the kernel itself answers ENOMEM (its block table does not
            // fit one allocation) on machines where 4 GiB passes the memory check.
            assertThatThrownBy(() -> openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withBlockSize(4096).withBlockCount(1 << 20)))
                    .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.RINGS_TOO_LARGE))
                    .hasMessageStartingWith("ENOMEM: the AF_PACKET rings for " + box.ifA + " are too large")
                    .hasMessageContaining("use fewer or smaller blocks");
            long kernelPathBytes = (4096L << 20) + AfPacketOptions.defaults().txRingBytes();
            if (kernelPathBytes <= available / 2) {
                assertThatThrownBy(() -> openIn(box.nsA, box.ifA, AfPacketOptions.defaults().withBlockSize(4096).withBlockCount(1 << 20)))
                        .as("this machine has the memory, so the kernel itself said ENOMEM")
                        .hasRootCauseInstanceOf(NativeException.class)
                        .rootCause().hasMessageContaining("setsockopt(PACKET_RX_RING)").hasMessageStartingWith("ENOMEM");
            }
            // Nothing leaked: a normal port still opens on the same interface.
            try (AfPacketPort port = openIn(box.nsA, box.ifA, AfPacketOptions.defaults())) {
                assertThat(port.frameCounts().balanced()).isTrue();
            }
        }
    }

    @Test
    void withoutCapNetRawTheMessageSaysSo() throws Exception {
        try (NetnsPair box = NetnsPair.create("pkcap")) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // Root without CAP_NET_RAW in its bounding set (CAP_SYS_ADMIN stays, to enter the namespace).
            Process child = new ProcessBuilder("setpriv", "--bounding-set", "-net_raw", "--inh-caps", "-net_raw", "--",
                    java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    AfPacketOpenProbe.class.getName(), box.nsA, box.ifA)
                    .redirectErrorStream(true).start();
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as("child output").contains("reason PRIVILEGE\n");
            assertThat(out).as("child output").endsWith("setup: AF_PACKET on " + box.ifA + " needs CAP_NET_RAW: run as root or grant it "
                    + "(e.g. setcap cap_net_raw+ep on the java binary)");
            assertThat(child.exitValue()).isEqualTo(3);
        }
    }

    private static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.substring(13).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read MemAvailable", e);
        }
        throw new IllegalStateException("no MemAvailable in /proc/meminfo");
    }
}
