package dev.sluice.systest;

import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The steering program shares the host: while it is attached, ARP, ping and a real HTTP server
 * (python3 http.server, fetched with curl) keep working, and only the matching UDP flow reaches the
 * AF_XDP socket; a neighbouring UDP port still reaches the kernel's socket.
 */
class SteeringSystemTest {
    private static final int STEERED = 7777;
    private static final int KERNEL = 7778;

    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs sockets in network namespaces");
    }

    @Test
    void onlyTheMatchingFlowIsStolenAndTheHostStaysReachable() throws Exception {
        try (NetnsPair box = NetnsPair.create("steer");
             DatagramChannel kernelSteered = Traffic.bindUdp(box.nsA, box.ipA, STEERED);
             DatagramChannel kernelOther = Traffic.bindUdp(box.nsA, box.ipA, KERNEL)) {
            // No static neighbours: ARP itself must get through while the program is attached. Every
            // frame of the FILL ring in flight, so that a poller the busy machine stalls loses nothing.
            AfXdpOptions options = AfXdpOptions.defaults().withSteering(true).withTrackFrames(true).withFramesInFlight(2048);
            Process http = null;
            try (AfXdpInterface iface = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, new int[] {0}, options)) {
                AfXdpQueue port = iface.queue(0);
                iface.steer(SteeringRule.udp(InetAddress.getByName(box.ipA), STEERED));
                AtomicLong steered = new AtomicLong();
                AtomicLong stray = new AtomicLong();
                AtomicBoolean running = new AtomicBoolean(true);
                Thread poller = new Thread(() -> {
                    PacketBatch batch = port.newBatch(64);
                    while (running.get()) {
                        if (port.receive(batch) == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        for (int i = 0; i < batch.count(); i++) {
                            Packet p = batch.packet(i);
                            boolean match = p.length() >= UdpFrames.HEADERS && p.getShort(12) == 0x0800
                                    && p.getByte(23) == 17 && p.getShort(36) == STEERED;
                            (match ? steered : stray).incrementAndGet();
                        }
                        port.release(batch);
                    }
                });
                poller.start();
                try {
                    http = new ProcessBuilder("ip", "netns", "exec", box.nsA, "python3", "-m", "http.server", "8080",
                            "--bind", box.ipA).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

                    String ping = Commands.run("ip", "netns", "exec", box.nsB, "ping", "-c", "3", "-i", "0.2", "-W", "2", box.ipA);
                    assertThat(ping).contains("3 received");

                    assertThat(curl(box)).as("HTTP over TCP to the host while the program is attached").isEqualTo("200");

                    Traffic.sendNumbered(box.nsB, box.ipA, KERNEL, 100, 32, 16, 1_000_000).get(20, TimeUnit.SECONDS);
                    Traffic.sendNumbered(box.nsB, box.ipA, STEERED, 2000, 32, 16, 1_000_000).get(20, TimeUnit.SECONDS);
                    Await.holdsWithin(() -> steered.get() >= 2000, Duration.ofSeconds(60));
                    assertThat(steered.get()).as("matching datagrams at the AF_XDP socket").isEqualTo(2000);
                    assertThat(stray.get()).as("other packets at the AF_XDP socket").isZero();
                    assertThat(countDatagrams(kernelOther, 100)).as("datagrams to port " + KERNEL + " at the kernel socket")
                            .isEqualTo(100);
                    assertThat(countDatagrams(kernelSteered, 0)).as("steered datagrams leaking to the kernel socket").isZero();
                    assertThat(iface.program().counters()).isPresent();
                    assertThat(iface.program().counters().get().redirected()).isGreaterThanOrEqualTo(2000);
                } finally {
                    running.set(false);
                    poller.join(5000);
                }
                AfXdpPortSystemTest.assertAllFramesAccounted(iface);
            } finally {
                if (http != null) {
                    http.destroyForcibly();
                    http.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The HTTP status of a GET from B to the server on A, once the server listens. */
    private static String curl(NetnsPair box) {
        Await.until(() -> box.exec(box.nsA, "ss", "-H", "-ltn").contains(box.ipA + ":8080 "), Duration.ofSeconds(60),
                "the HTTP server to listen");
        return Commands.run("ip", "netns", "exec", box.nsB, "curl", "-s", "-o", "/dev/null", "-m", "30",
                "-w", "%{http_code}", "http://" + box.ipA + ":8080/").strip();
    }

    /**
     * Datagrams at a kernel socket: waits until {@code expect} arrived (or the deadline passed);
     * with {@code expect} 0, counts what is queued now. That suffices for the leak check: it runs
     * once every steered datagram reached the AF_XDP socket, and the kernel queues a datagram it
     * lets through in the same pass as the XDP verdict on it.
     */
    private static int countDatagrams(DatagramChannel ch, int expect) throws Exception {
        ch.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(2048);
        int[] n = {0};
        Await.holdsWithin(() -> {
            try {
                for (buf.clear(); ch.receive(buf) != null; buf.clear()) {
                    n[0]++;
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return n[0] >= expect;
        }, Duration.ofSeconds(60));
        return n[0];
    }
}
