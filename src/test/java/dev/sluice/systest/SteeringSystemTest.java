package dev.sluice.systest;

import dev.sluice.cli.Sandbox;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpPort;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
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
        Privileged.require();
    }

    @Test
    void onlyTheMatchingFlowIsStolenAndTheHostStaysReachable() throws Exception {
        try (Sandbox box = Sandbox.create("steer", 1);
             DatagramChannel kernelSteered = Traffic.bindUdp(box.nsA, box.ipA, STEERED);
             DatagramChannel kernelOther = Traffic.bindUdp(box.nsA, box.ipA, KERNEL)) {
            // No static neighbours: ARP itself must get through while the program is attached. Every
            // frame of the FILL ring in flight, so that a poller the busy machine stalls loses nothing.
            AfXdpOptions options = AfXdpOptions.defaults().withSteering(true).withTrackFrames(true).withFramesInFlight(2048);
            Process http = null;
            try (AfXdpPort port = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, new int[] {0}, options)) {
                port.steer(SteeringRule.udp(InetAddress.getByName(box.ipA), STEERED));
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

                    String ping = Sandbox.run("ip", "netns", "exec", box.nsB, "ping", "-c", "3", "-i", "0.2", "-W", "2", box.ipA);
                    assertThat(ping).contains("3 received");

                    assertThat(curl(box)).as("HTTP over TCP to the host while the program is attached").isEqualTo("200");

                    Traffic.sendNumbered(box.nsB, box.ipA, KERNEL, 100, 32, 16, 1_000_000).get(20, TimeUnit.SECONDS);
                    Traffic.sendNumbered(box.nsB, box.ipA, STEERED, 2000, 32, 16, 1_000_000).get(20, TimeUnit.SECONDS);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (steered.get() < 2000 && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThat(steered.get()).as("matching datagrams at the AF_XDP socket").isEqualTo(2000);
                    assertThat(stray.get()).as("other packets at the AF_XDP socket").isZero();
                    assertThat(countDatagrams(kernelOther, 100)).as("datagrams to port " + KERNEL + " at the kernel socket")
                            .isEqualTo(100);
                    assertThat(countDatagrams(kernelSteered, 0)).as("steered datagrams leaking to the kernel socket").isZero();
                    assertThat(port.program().counters()).isPresent();
                    assertThat(port.program().counters().get().redirected()).isGreaterThanOrEqualTo(2000);
                } finally {
                    running.set(false);
                    poller.join(5000);
                }
                AfXdpPortSystemTest.assertAllFramesAccounted(port);
            } finally {
                if (http != null) {
                    http.destroyForcibly();
                    http.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static String curl(Sandbox box) throws Exception {
        String code = "";
        for (int attempt = 0; attempt < 50 && !code.equals("200"); attempt++) {
            Process p = new ProcessBuilder("ip", "netns", "exec", box.nsB, "curl", "-s", "-o", "/dev/null", "-m", "2",
                    "-w", "%{http_code}", "http://" + box.ipA + ":8080/").start();
            code = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            if (!code.equals("200")) {
                Thread.sleep(100); // the server may still be starting
            }
        }
        return code;
    }

    private static int countDatagrams(DatagramChannel ch, int expect) throws Exception {
        ch.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(2048);
        int n = 0;
        long deadline = System.currentTimeMillis() + (expect > 0 ? 5000 : 500);
        while (System.currentTimeMillis() < deadline && (expect == 0 || n < expect)) {
            buf.clear();
            if (ch.receive(buf) != null) {
                n++;
            } else {
                Thread.sleep(5);
            }
        }
        return n;
    }
}
