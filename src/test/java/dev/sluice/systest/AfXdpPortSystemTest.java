package dev.sluice.systest;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.afxdp.FrameCounts;
import dev.sluice.drivers.afxdp.XskStatistics;
import dev.sluice.drivers.xdp.XdpAttachment;
import dev.sluice.drivers.xdp.XdpMode;
import dev.sluice.drivers.xdp.XdpProgram;
import dev.sluice.drivers.xdp.XdpPrograms;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.sys.NetNs;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.UdpFlood;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real AF_XDP sockets on a veth pair between two namespaces, with traffic from and to kernel UDP
 * sockets. Every scenario ends by checking that every frame of the UMEM is accounted for.
 */
class AfXdpPortSystemTest {
    private static final int PORT = 7777;
    private static final int PAYLOAD = 64;

    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs sockets in network namespaces");
    }

    static AfXdpInterface openIn(String netns, String ifname, int[] queues, AfXdpOptions options) {
        return openIn(netns, ifname, queues, UmemConfig.defaults(), options);
    }

    static AfXdpInterface openIn(String netns, String ifname, int[] queues, UmemConfig umem, AfXdpOptions options) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return AfXdpInterface.open(ifname, queues, umem, options);
        }
    }

    static void assertAllFramesAccounted(AfXdpInterface port) {
        port.drainTx(2000);
        FrameCounts c = port.frameCounts();
        assertThat(c.app()).as("frames still held by the application").isZero();
        assertThat(c.tx()).as("frames still in flight on TX").isZero();
        assertThat(c.total()).as("frames accounted for: " + c).isEqualTo(port.umem().frameCount());
        if (port.ownership() != null) {
            assertThat(port.ownership().violations()).as("frame hand-overs from the wrong owner: "
                    + port.ownership().firstViolation()).isZero();
        }
    }

    @Test
    void tenThousandNumberedDatagramsArriveCompleteAndIntact() throws Exception {
        int count = 10_000;
        try (NetnsPair box = NetnsPair.create("rx")) {
            box.staticNeighbours();
            // Every frame of the FILL ring in flight: this test checks completeness, not speed, and its
            // checking loop starts cold (interpreted) while the sender is already running.
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(2048);
            try (AfXdpInterface iface = openIn(box.nsA, box.ifA, new int[] {0}, options)) {
                AfXdpQueue port = iface.queue(0);
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                CompletableFuture<Long> sender = Traffic.sendNumbered(box.nsB, box.ipA, PORT, count, PAYLOAD, 16, 200_000);
                PacketBatch batch = port.newBatch(64);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!got.complete() && System.nanoTime() < deadline) {
                    if (port.receive(batch) == 0) {
                        Thread.onSpinWait();
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
                assertThat(got.distinct()).as("distinct datagrams received; kernel says " + iface.statistics())
                        .isEqualTo(count);
                assertThat(iface.statistics().rxInvalidDescs()).isZero();
                assertAllFramesAccounted(iface);
            }
        }
    }

    @Test
    void configuredHeadroomAndFrameSizeAreWhereTheKernelPutsPackets() throws Exception {
        try (NetnsPair box = NetnsPair.create("headroom")) {
            box.staticNeighbours();
            UmemConfig config = UmemConfig.defaults().withFrameSize(4096).withHeadroom(192).withHugePages(true);
            AfXdpInterface iface;
            try (NetNs.Scope ignored = NetNs.enter(box.nsA)) {
                iface = AfXdpInterface.open(box.ifA, new int[] {0}, config, AfXdpOptions.defaults().withTrackFrames(true));
            }
            try (iface) {
                AfXdpQueue port = iface.queue(0);
                Traffic.sendNumbered(box.nsB, box.ipA, PORT, 100, PAYLOAD, 10, 1_000_000).get(10, TimeUnit.SECONDS);
                PacketBatch batch = port.newBatch(64);
                int got = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (got < 100 && System.nanoTime() < deadline) {
                    int n = port.receive(batch);
                    for (int i = 0; i < n; i++) {
                        // Kernel headroom (256) + ours (192) from the start of a 4096-byte frame.
                        assertThat(batch.address(i) & 4095).isEqualTo(256 + 192);
                    }
                    got += n;
                    port.release(batch);
                }
                assertThat(got).isEqualTo(100);
                assertAllFramesAccounted(iface);
            }
        }
    }

    @Test
    void framesSentThroughTxArriveAtAKernelSocketWithValidChecksums() throws Exception {
        int count = 2_000;
        try (NetnsPair box = NetnsPair.create("tx");
             DatagramChannel receiver = Traffic.bindUdp(box.nsB, box.ipB, PORT)) {
            box.staticNeighbours();
            try (AfXdpInterface iface = openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults().withTrackFrames(true))) {
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                int sent = got.send(iface.queue(0), () -> iface.drainTx(1000), box, receiver);
                assertThat(sent).isEqualTo(count);
                got.drain(receiver, 5000);
                // The kernel drops UDP datagrams with a bad IP or UDP checksum before the socket:
                // arriving at all proves both checksums valid.
                assertThat(got.corrupt).isZero();
                assertThat(got.distinct()).as("datagrams that reached the kernel socket").isEqualTo(count);
                assertAllFramesAccounted(iface);
            }
        }
    }

    /**
     * Every datagram the port receives goes back to B with its MAC addresses swapped. The sender
     * keeps at most {@link #WINDOW} datagrams in flight, waiting until the port has received or
     * the kernel has counted as dropped all it sent, so that a busy machine (a forwarder thread not
     * scheduled for a while) slows the test down instead of overrunning queues. Drops the kernel
     * still reports are tolerated and accounted for; everything the port received must come back.
     */
    @Test
    void macswapReflectsTrafficBackToThePeer() throws Exception {
        int count = 3_000;
        try (NetnsPair box = NetnsPair.create("macswap");
             DatagramChannel sender = Traffic.connectUdp(box.nsB, box.ipA, PORT)) {
            box.staticNeighbours();
            // The whole FILL ring in flight: this test checks what comes back, not speed, and its forwarder
            // starts cold on a machine that may be busy (with 512 frames a 2.5 ms stall dropped packets).
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(2048);
            try (AfXdpInterface port = openIn(box.nsA, box.ifA, new int[] {0}, options);
                 Capture capture = Capture.start(box.nsB, box.ifB, "inbound", "udp port " + PORT)) {
                long inBefore = box.linkCounter(box.nsB, box.ifB, "rx_packets");
                Pipeline fwd = Pipeline.builder().ports(port.queues()).idle("spin")
                        .handler(() -> new ForwardHandler(ForwardMode.MACSWAP)).start();
                long rx;
                long tx;
                try {
                    for (int sent = 0; sent < count; ) {
                        for (int end = Math.min(count, sent + WINDOW); sent < end; sent++) {
                            sender.write(ByteBuffer.wrap(UdpFrames.numbered(sent, PAYLOAD)));
                        }
                        long expected = sent;
                        Await.until(() -> rxAccounted(port) >= expected, Duration.ofSeconds(60),
                                () -> expected + " datagrams received or dropped by the kernel; port " + port.counters().get(PortCounters.RX_PACKETS)
                                        + ", kernel " + port.statistics());
                    }
                    Await.until(() -> port.counters().get(PortCounters.TX_PACKETS)
                                    + port.counters().get(PortCounters.TX_RING_FULL) >= port.counters().get(PortCounters.RX_PACKETS),
                            Duration.ofSeconds(60), "every received frame transmitted");
                    rx = port.counters().get(PortCounters.RX_PACKETS);
                    tx = port.counters().get(PortCounters.TX_PACKETS);
                    // The veth counts what it hands to B's stack; tcpdump sees the same frames.
                    Await.until(() -> box.linkCounter(box.nsB, box.ifB, "rx_packets") - inBefore >= tx, Duration.ofSeconds(60),
                            () -> tx + " frames arriving at " + box.ifB + "; " + box.linkStatistics(box.nsB, box.ifB));
                    capture.awaitPackets((int) tx, 60_000);
                } finally {
                    fwd.close();
                }
                XskStatistics kernel = port.statistics();
                List<String> lines = capture.stop();
                long reflected = lines.stream().filter(l -> l.contains(box.macA() + " > " + box.macB())).count();
                assertThat(rx + kernelRxDrops(kernel)).as("received or dropped by the kernel (" + kernel + ")").isEqualTo(count);
                assertThat(rx).as("received by the AF_XDP port; kernel " + kernel).isPositive();
                assertThat(port.counters().get(PortCounters.TX_RING_FULL)).as("frames dropped on a full TX ring").isZero();
                assertThat(tx).as("transmitted by the AF_XDP port").isEqualTo(rx);
                assertThat(reflected).as("frames that came back to " + box.ifB + " with swapped MACs; "
                        + box.linkStatistics(box.nsB, box.ifB)).isEqualTo(tx);
                assertThat(lines).as("frames captured at " + box.ifB).hasSize((int) tx);
                assertAllFramesAccounted(port);
            }
        }
    }

    /** Datagrams in flight towards the port during {@link #macswapReflectsTrafficBackToThePeer}. */
    private static final int WINDOW = 32;

    /** Received by the port, or dropped by the kernel on the way to it (full RX ring, no free frame). */
    private static long rxAccounted(AfXdpInterface port) {
        return port.counters().get(PortCounters.RX_PACKETS) + kernelRxDrops(port.statistics());
    }

    private static long kernelRxDrops(XskStatistics s) {
        return s.rxDropped() + s.rxRingFull();
    }

    @Test
    void twoQueuesSharingOneUmemReceiveEverything() throws Exception {
        int flows = 16;
        int perFlow = 400;
        try (NetnsPair box = NetnsPair.spec("mq").queues(2).create()) {
            box.staticNeighbours();
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(1024);
            try (AfXdpInterface port = openIn(box.nsA, box.ifA, new int[] {0, 1}, options)) {
                assertThat(port.queues()).hasSize(2);
                CompletableFuture<?>[] senders = new CompletableFuture<?>[flows];
                for (int f = 0; f < flows; f++) {
                    // A socket per flow: each has its own source port and TX hash, so flows spread over queues.
                    senders[f] = Traffic.sendNumbered(box.nsB, box.ipA, PORT, perFlow, PAYLOAD, 8, 2_000_000);
                }
                PacketBatch batch = port.queue(0).newBatch(64);
                long[] perQueue = new long[2];
                long total = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (total < (long) flows * perFlow && System.nanoTime() < deadline) {
                    boolean idle = true;
                    for (int q = 0; q < 2; q++) {
                        AfXdpQueue queue = port.queues().get(q);
                        int n = queue.receive(batch);
                        if (n > 0) {
                            idle = false;
                            perQueue[q] += n;
                            total += n;
                            queue.release(batch);
                        }
                    }
                    if (idle) {
                        Thread.onSpinWait();
                    }
                }
                CompletableFuture.allOf(senders).get(10, TimeUnit.SECONDS);
                assertThat(total).as("received over both queues; kernel says " + port.statistics()).isEqualTo((long) flows * perFlow);
                assertThat(perQueue[0]).as("queue 0").isPositive();
                assertThat(perQueue[1]).as("queue 1").isPositive();
                assertAllFramesAccounted(port);
            }
        }
    }

    /**
     * One-way traffic across queues: everything received on queue 1 is sent on queue 0, for ten times
     * the UMEM's frames. Queue 0's completions must reach the pool that queue 1 tops its FILL ring up
     * from; otherwise queue 1 runs out of frames within one UMEM and the kernel drops ("fill ring
     * empty"). A generator on the peer sends on its queue 1 (veth delivers a frame to the RX queue of
     * the TX queue it was sent on), at most {@code WINDOW} frames ahead of what queue 1 received, so
     * FILL (256 frames) can only run dry if frames stop coming back.
     */
    @Test
    void oneWayTrafficAcrossQueuesNeverStarvesTheReceivingQueuesFill() throws Exception {
        final int umemFrames = 1024;
        final int window = 128;
        final long target = 10L * umemFrames;
        try (NetnsPair box = NetnsPair.spec("xq").queues(2).create()) {
            UmemConfig umem = UmemConfig.defaults().withFrameCount(umemFrames);
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(256);
            AfXdpInterface generator;
            try (NetNs.Scope ignored = NetNs.enter(box.nsB)) {
                generator = AfXdpInterface.open(box.ifB, new int[] {1}, UmemConfig.defaults().withFrameCount(1024),
                        AfXdpOptions.defaults().withAttachProgram(false).withFramesInFlight(128));
            }
            try (generator; AfXdpInterface iface = openIn(box.nsA, box.ifA, new int[] {0, 1}, umem, options)) {
                AfXdpQueue out = iface.queue(0);
                AfXdpQueue in = iface.queue(1);
                assertThat(in.queueId()).isEqualTo(1);
                AfXdpQueue gen = generator.queue(0);
                long macA = UdpFrames.mac(box.macA());
                long macB = UdpFrames.mac(box.macB());
                int ipA = UdpFrames.ipv4(box.ipA);
                int ipB = UdpFrames.ipv4(box.ipB);
                byte[] payload = new byte[18];
                PacketBatch genBatch = gen.newBatch(32);
                PacketBatch batch = in.newBatch(64);
                PacketBatch none = out.newBatch(1);
                long sent = 0;
                long received = 0;
                long lastProgress = System.nanoTime();
                long deadline = lastProgress + TimeUnit.SECONDS.toNanos(60);
                while (received < target && System.nanoTime() < deadline
                        && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(5)) {
                    if (sent - received <= window - 32 && sent < target) {
                        int n = gen.allocate(genBatch, 32, UdpFrames.HEADERS + payload.length);
                        for (int i = 0; i < n; i++) {
                            UdpFrames.write(genBatch.packet(i), macB, macA, ipB, ipA, 9000, PORT, payload);
                        }
                        sent += gen.transmit(genBatch);
                    } else {
                        gen.transmit(genBatch); // an empty burst: takes the generator's completions back
                    }
                    int n = in.receive(batch);
                    if (n > 0) {
                        received += n;
                        lastProgress = System.nanoTime();
                        out.transmit(batch);
                    } else {
                        out.transmit(none); // an empty burst: takes queue 0's completions back
                        Thread.onSpinWait();
                    }
                }
                XskStatistics kernel = in.statistics();
                assertThat(received).as("received on queue 1 and sent on queue 0 (sent " + sent + "); queue 1's kernel statistics "
                        + kernel + ", FILL starved " + in.counters().get(PortCounters.FILL_STARVED)).isGreaterThanOrEqualTo(target);
                assertThat(in.counters().get(PortCounters.FILL_STARVED)).as("queue 1 found no free frame for FILL").isZero();
                assertThat(kernel.rxFillRingEmptyDescs()).as("packets the kernel found no FILL frame for").isZero();
                assertThat(kernel.rxDropped()).as("packets the kernel dropped on queue 1").isZero();
                assertThat(out.counters().get(PortCounters.TX_PACKETS)).isEqualTo(received);
                assertThat(out.counters().get(PortCounters.TX_RING_FULL)).isZero();
                assertAllFramesAccounted(iface);
            }
        }
    }

    /** Each mistake fails with its message and the reason that tools decide from (AfXdpFallback). */
    @Test
    void setupMistakesCarryTheirReason() {
        try (NetnsPair box = NetnsPair.create("why")) {
            AfXdpOptions defaults = AfXdpOptions.defaults();
            assertSetupFails(() -> openIn(box.nsA, "nope0", new int[] {0}, defaults),
                    Reason.UNKNOWN_INTERFACE, "no network interface named 'nope0' (see 'ip link')");
            // (the RX queue count of a veth depends on the kernel and the CPUs, hence no more of the message)
            assertSetupFails(() -> openIn(box.nsA, box.ifA, new int[] {64}, defaults),
                    Reason.QUEUE_OUT_OF_RANGE, "queue 64 is out of range: " + box.ifA + " has ");
            assertSetupFails(() -> openIn(box.nsA, box.ifA, new int[] {0, 0}, defaults),
                    Reason.INVALID_ARGUMENT, "queue list [0, 0] names a queue twice");
            try (AfXdpInterface first = openIn(box.nsA, box.ifA, new int[] {0}, defaults)) {
                assertThatThrownBy(() -> openIn(box.nsA, box.ifA, new int[] {0}, defaults))
                        .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.XDP_PROGRAM_PRESENT))
                        .hasMessageStartingWith("interface " + box.ifA + " already has an XDP program attached");
            }
        }
    }

    /**
     * The kernel releases a closed socket's queue in deferred work (bind says EBUSY for a moment):
     * open waits for that release, so closing a port and opening the same queue at once works,
     * again and again, and each reopened port receives.
     */
    @Test
    void aQueueClosedAMomentAgoCanBeOpenedAgainAtOnce() throws Exception {
        try (NetnsPair box = NetnsPair.create("reopen")) {
            box.staticNeighbours();
            for (int round = 0; round < 10; round++) {
                try (AfXdpInterface iface = openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults())) {
                    AfXdpQueue port = iface.queue(0);
                    if (round % 3 == 0) {
                        PacketBatch batch = port.newBatch(64);
                        long got = 0;
                        try (UdpFlood sender = new UdpFlood(box.nsB, box.ipA, PORT, 18, 0)) {
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                            while (got == 0 && System.nanoTime() < deadline) {
                                got += port.receive(batch);
                                port.release(batch);
                            }
                        }
                        assertThat(got).as("packets received by the port reopened in round " + round).isPositive();
                    }
                }
            }
        }
    }

    /** A program that appears between prepare and attach is found by attach: its own wrap site. */
    @Test
    void aProgramAttachedAfterPrepareCarriesItsReason() {
        try (NetnsPair box = NetnsPair.create("whyat")) {
            try (AfXdpInterface prepared = prepareIn(box.nsA, box.ifA, AfXdpOptions.defaults());
                 XdpProgram other = XdpPrograms.redirectAll(1);
                 XdpAttachment ignored = attachIn(box.nsA, other, box.ifA)) {
                assertThatThrownBy(prepared::attach)
                        .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(Reason.XDP_PROGRAM_PRESENT))
                        .hasMessageStartingWith("interface " + box.ifA + " already has an XDP program attached")
                        .hasCauseInstanceOf(XdpAttachment.ProgramPresentException.class);
            }
        }
    }

    private static void assertSetupFails(ThrowingCallable open, Reason reason, String messageStart) {
        assertThatThrownBy(open)
                .isInstanceOfSatisfying(PortSetupException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageStartingWith(messageStart);
    }

    private static AfXdpInterface prepareIn(String netns, String ifname, AfXdpOptions options) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return AfXdpInterface.prepare(ifname, new int[] {0}, UmemConfig.defaults(), options);
        }
    }

    private static XdpAttachment attachIn(String netns, XdpProgram program, String ifname) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return XdpAttachment.attach(program, ifname, XdpMode.GENERIC);
        }
    }
}
