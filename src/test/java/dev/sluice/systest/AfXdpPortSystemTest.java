package dev.sluice.systest;

import dev.sluice.cli.Sandbox;
import dev.sluice.cli.UdpSender;
import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpPort;
import dev.sluice.drivers.afxdp.FrameCounts;
import dev.sluice.drivers.afxdp.XskQueue;
import dev.sluice.drivers.xdp.XdpAttachment;
import dev.sluice.drivers.xdp.XdpMode;
import dev.sluice.drivers.xdp.XdpProgram;
import dev.sluice.drivers.xdp.XdpPrograms;
import dev.sluice.pipeline.handlers.ForwardHandler;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.sys.NetNs;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.channels.DatagramChannel;
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
        Privileged.require();
    }

    static AfXdpPort openIn(String netns, String ifname, int[] queues, AfXdpOptions options) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return AfXdpPort.open(ifname, queues, UmemConfig.defaults(), options);
        }
    }

    static void assertAllFramesAccounted(AfXdpPort port) {
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
        try (Sandbox box = Sandbox.create("rx", 1)) {
            box.staticNeighbours();
            // Every frame of the FILL ring in flight: this test checks completeness, not speed, and its
            // checking loop starts cold (interpreted) while the sender is already running.
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(2048);
            try (AfXdpPort port = openIn(box.nsA, box.ifA, new int[] {0}, options)) {
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                CompletableFuture<Long> sender = Traffic.sendNumbered(box.nsB, box.ipA, PORT, count, PAYLOAD, 16, 200_000);
                PacketBatch batch = port.newBatch(64);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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
                assertThat(got.distinct()).as("distinct datagrams received; kernel says " + port.statistics())
                        .isEqualTo(count);
                assertThat(port.statistics().rxInvalidDescs()).isZero();
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void configuredHeadroomAndFrameSizeAreWhereTheKernelPutsPackets() throws Exception {
        try (Sandbox box = Sandbox.create("headroom", 1)) {
            box.staticNeighbours();
            UmemConfig config = UmemConfig.defaults().withFrameSize(4096).withHeadroom(192).withHugePages(true);
            AfXdpPort port;
            try (NetNs.Scope ignored = NetNs.enter(box.nsA)) {
                port = AfXdpPort.open(box.ifA, new int[] {0}, config, AfXdpOptions.defaults().withTrackFrames(true));
            }
            try (port) {
                Traffic.sendNumbered(box.nsB, box.ipA, PORT, 100, PAYLOAD, 10, 1_000_000).get(10, TimeUnit.SECONDS);
                PacketBatch batch = port.newBatch(64);
                int got = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
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
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void framesSentThroughTxArriveAtAKernelSocketWithValidChecksums() throws Exception {
        int count = 2_000;
        try (Sandbox box = Sandbox.create("tx", 1);
             DatagramChannel receiver = Traffic.bindUdp(box.nsB, box.ipB, PORT)) {
            box.staticNeighbours();
            try (AfXdpPort port = openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults().withTrackFrames(true))) {
                NumberedDatagrams got = new NumberedDatagrams(count, PORT, PAYLOAD);
                int sent = got.send(port, () -> port.drainTx(1000), box, receiver);
                assertThat(sent).isEqualTo(count);
                got.drain(receiver, 5000);
                // The kernel drops UDP datagrams with a bad IP or UDP checksum before the socket:
                // arriving at all proves both checksums valid.
                assertThat(got.corrupt).isZero();
                assertThat(got.distinct()).as("datagrams that reached the kernel socket").isEqualTo(count);
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void macswapReflectsTrafficBackToThePeer() throws Exception {
        int count = 3_000;
        try (Sandbox box = Sandbox.create("macswap", 1)) {
            box.staticNeighbours();
            try (AfXdpPort port = openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults().withTrackFrames(true));
                 Capture capture = Capture.start(box.nsB, box.ifB, "inbound", "udp port " + PORT)) {
                try (Pipeline fwd = Pipeline.builder().ports(port.queues()).idle("spin")
                        .handler(() -> new ForwardHandler(ForwardMode.MACSWAP)).start()) {
                    Traffic.sendNumbered(box.nsB, box.ipA, PORT, count, PAYLOAD, 16, 200_000).get(30, TimeUnit.SECONDS);
                    capture.awaitPackets(count, 15_000);
                }
                List<String> lines = capture.stop();
                long reflected = lines.stream().filter(l -> l.contains(box.macA() + " > " + box.macB())).count();
                long rx = port.counters().get(dev.sluice.drivers.PortCounters.RX_PACKETS);
                long tx = port.counters().get(dev.sluice.drivers.PortCounters.TX_PACKETS);
                assertThat(rx).as("received by the AF_XDP port").isEqualTo(count);
                assertThat(tx).as("transmitted by the AF_XDP port").isEqualTo(count);
                assertThat(reflected).as("frames that came back to " + box.ifB + " with swapped MACs; "
                        + Sandbox.run("ip", "-n", box.nsB, "-s", "link", "show", "dev", box.ifB)).isEqualTo(count);
                assertAllFramesAccounted(port);
            }
        }
    }

    @Test
    void twoQueuesSharingOneUmemReceiveEverything() throws Exception {
        int flows = 16;
        int perFlow = 400;
        try (Sandbox box = Sandbox.create("mq", 2)) {
            box.staticNeighbours();
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(1024);
            try (AfXdpPort port = openIn(box.nsA, box.ifA, new int[] {0, 1}, options)) {
                assertThat(port.queues()).hasSize(2);
                CompletableFuture<?>[] senders = new CompletableFuture<?>[flows];
                for (int f = 0; f < flows; f++) {
                    // A socket per flow: each has its own source port and TX hash, so flows spread over queues.
                    senders[f] = Traffic.sendNumbered(box.nsB, box.ipA, PORT, perFlow, PAYLOAD, 8, 2_000_000);
                }
                PacketBatch batch = port.newBatch(64);
                long[] perQueue = new long[2];
                long total = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (total < (long) flows * perFlow && System.nanoTime() < deadline) {
                    boolean idle = true;
                    for (int q = 0; q < 2; q++) {
                        XskQueue queue = port.queues().get(q);
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

    /** Each mistake fails with its message and the reason that tools decide from (AfXdpFallback). */
    @Test
    void setupMistakesCarryTheirReason() {
        try (Sandbox box = Sandbox.create("why", 1)) {
            AfXdpOptions defaults = AfXdpOptions.defaults();
            assertSetupFails(() -> openIn(box.nsA, "nope0", new int[] {0}, defaults),
                    Reason.UNKNOWN_INTERFACE, "no network interface named 'nope0' (see 'ip link')");
            // (the RX queue count of a veth depends on the kernel and the CPUs, hence no more of the message)
            assertSetupFails(() -> openIn(box.nsA, box.ifA, new int[] {64}, defaults),
                    Reason.QUEUE_OUT_OF_RANGE, "queue 64 is out of range: " + box.ifA + " has ");
            assertSetupFails(() -> openIn(box.nsA, box.ifA, new int[] {0, 0}, defaults),
                    Reason.INVALID_ARGUMENT, "queue list [0, 0] names a queue twice");
            try (AfXdpPort first = openIn(box.nsA, box.ifA, new int[] {0}, defaults)) {
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
        try (Sandbox box = Sandbox.create("reopen", 1)) {
            box.staticNeighbours();
            for (int round = 0; round < 10; round++) {
                try (AfXdpPort port = openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults())) {
                    if (round % 3 == 0) {
                        PacketBatch batch = port.newBatch(64);
                        long got = 0;
                        try (UdpSender sender = new UdpSender(box.nsB, box.ipA, PORT, 18, 0)) {
                            long deadline = System.nanoTime() + 5_000_000_000L;
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
        try (Sandbox box = Sandbox.create("whyat", 1)) {
            try (AfXdpPort prepared = prepareIn(box.nsA, box.ifA, AfXdpOptions.defaults());
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

    private static AfXdpPort prepareIn(String netns, String ifname, AfXdpOptions options) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return AfXdpPort.prepare(ifname, new int[] {0}, UmemConfig.defaults(), options);
        }
    }

    private static XdpAttachment attachIn(String netns, XdpProgram program, String ifname) {
        try (NetNs.Scope ignored = NetNs.enter(netns)) {
            return XdpAttachment.attach(program, ifname, XdpMode.GENERIC);
        }
    }
}
