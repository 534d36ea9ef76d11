package dev.sluice.systest;

import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * While the redirect-all program of {@code sluice fwd} holds an interface, a kernel peer keeps
 * resolving its address: the peer forgets its neighbour entry (as it does when the entry expires),
 * sends a datagram, and its ARP request must reach A's kernel and be answered, while the datagram
 * itself reaches the AF_XDP socket. No static neighbours here, unlike the forwarding tests.
 */
class RedirectAllNeighbourSystemTest {
    private static final int PORT = 7777;

    @BeforeEach
    void privileged() {
        Privileged.requireAfXdp("runs AF_XDP sockets in network namespaces");
    }

    @Test
    void aKernelPeerResolvesTheAddressAgainWhileEverythingElseGoesToTheSocket() throws Exception {
        try (NetnsPair box = NetnsPair.create("neigh");
             AfXdpInterface iface = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, new int[] {0}, AfXdpOptions.defaults())) {
            AfXdpQueue port = iface.queue(0);
            assertThat(iface.program().steers()).as("the redirect-all program").isFalse();
            AtomicLong datagrams = new AtomicLong();
            AtomicLong arp = new AtomicLong();
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
                        if (p.length() >= UdpFrames.HEADERS && p.getShort(12) == 0x0800 && p.getByte(23) == 17
                                && p.getShort(36) == PORT) {
                            datagrams.incrementAndGet();
                        } else if (p.length() >= 14 && p.getShort(12) == 0x0806) {
                            arp.incrementAndGet();
                        }
                    }
                    port.release(batch);
                }
            });
            poller.start();
            try {
                for (int round = 0; round < 3; round++) {
                    Commands.run("ip", "-n", box.nsB, "neigh", "flush", "dev", box.ifB);
                    Traffic.sendNumbered(box.nsB, box.ipA, PORT, 1, 32, 1, 0).get(20, TimeUnit.SECONDS);
                    long expected = round + 1;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (datagrams.get() < expected && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    assertThat(datagrams.get()).as("round %d: the datagram at the socket after ARP resolved", round)
                            .isEqualTo(expected);
                    assertThat(Commands.run("ip", "-n", box.nsB, "neigh", "show", box.ipA, "dev", box.ifB))
                            .as("the peer's neighbour entry").contains("lladdr " + box.macA());
                }
                assertThat(arp.get()).as("ARP frames at the socket").isZero();
            } finally {
                running.set(false);
                poller.join(5000);
            }
        }
    }
}
