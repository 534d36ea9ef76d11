package dev.sluice.systest;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.afpacket.AfPacketOptions;
import dev.sluice.drivers.afpacket.AfPacketPort;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.lb.forward.Rewrites;
import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packets grown into their frame's headroom leave through real sockets, on a veth pair between two
 * namespaces. B's kernel sends numbered UDP datagrams to A; A's port receives each one, pushes 48
 * bytes in front of it (GUE variant 1 over IPv6: IPv6 + UDP to B's port 6080, checksum computed)
 * and transmits it back to B, whose kernel delivers the UDP payload, the whole original IPv4
 * packet, to a socket. A datagram arrives only if the frame left from its new start with the right
 * lengths and a UDP checksum over IPv6 the kernel accepts; every frame of the port must then be
 * accounted for.
 */
class HeadroomSystemTest {
    private static final int PORT = 7777;
    private static final int GUE_PORT = 6080;
    private static final int PAYLOAD = 64;
    private static final int COUNT = 1_000;
    /** IPv4 header + UDP header + numbered payload: what B's GUE socket receives. */
    private static final int INNER = 20 + 8 + PAYLOAD;

    @BeforeEach
    void privileged() {
        Privileged.requireNamespaces("runs sockets in network namespaces");
    }

    @Test
    void afXdpSendsReceivedFramesGrownIntoTheKernelHeadroom() throws Exception {
        try (NetnsPair box = NetnsPair.spec("hrxdp").ipv6("fd5e::1", "fd5e::2").create()) {
            box.staticNeighbours();
            AfXdpOptions options = AfXdpOptions.defaults().withTrackFrames(true).withFramesInFlight(2048);
            try (AfXdpInterface iface = AfXdpPortSystemTest.openIn(box.nsA, box.ifA, new int[] {0}, options);
                 DatagramChannel gue = Traffic.bindUdp(box.nsB, box.ip6B, GUE_PORT)) {
                Result r = bounce(box, iface.queue(0), gue, iface::drainTx);
                assertThat(r.headroomSeen).as("headroom of received frames").isEqualTo(UmemConfig.KERNEL_HEADROOM);
                r.assertComplete();
                assertThat(iface.statistics().txInvalidDescs()).as("TX descriptors the kernel refused").isZero();
                AfXdpPortSystemTest.assertAllFramesAccounted(iface);
            }
        }
    }

    @Test
    void afPacketSendsReceivedFramesGrownIntoTheHeadroom() throws Exception {
        try (NetnsPair box = NetnsPair.spec("hrpkt").ipv6("fd5e::1", "fd5e::2").create();
             DatagramChannel sink = Traffic.bindUdp(box.nsA, box.ipA, PORT)) {
            box.staticNeighbours();
            try (AfPacketPort port = AfPacketSystemTest.openIn(box.nsA, box.ifA, AfPacketOptions.defaults());
                 DatagramChannel gue = Traffic.bindUdp(box.nsB, box.ip6B, GUE_PORT)) {
                Result r = bounce(box, port, gue, port::drainTx);
                assertThat(r.headroomSeen).as("headroom of received frames").isEqualTo(UmemConfig.KERNEL_HEADROOM);
                r.assertComplete();
                AfPacketSystemTest.assertAllFramesAccounted(port);
            }
        }
    }

    /** What came back to B, and the headroom the port's received frames had (the smallest seen). */
    static final class Result {
        final BitSet seen = new BitSet(COUNT);
        int duplicates;
        int corrupt;
        int headroomSeen = Integer.MAX_VALUE;
        long sent;

        void assertComplete() {
            assertThat(sent).isEqualTo(COUNT);
            assertThat(corrupt).as("datagrams whose inner packet was damaged").isZero();
            assertThat(duplicates).isZero();
            assertThat(seen.cardinality()).as("encapsulated datagrams B's kernel delivered").isEqualTo(COUNT);
        }
    }

    /**
     * B sends {@link #COUNT} datagrams to A; the port wraps each in GUE over IPv6 and sends it to B's
     * socket {@code gue}, which is read as the loop goes. Frames that are not the test's datagrams
     * (neighbour discovery, the port's own transmissions seen by AF_PACKET) are released.
     */
    private static Result bounce(NetnsPair box, Port port, DatagramChannel gue, java.util.function.LongConsumer drainTx) throws Exception {
        long macA = FrameBuilder.mac(box.macA());
        long macB = FrameBuilder.mac(box.macB());
        long[] a6 = FrameBuilder.ipv6(box.ip6A);
        long[] b6 = FrameBuilder.ipv6(box.ip6B);
        int ipA = FrameBuilder.ipv4(box.ipA);
        Result r = new Result();
        gue.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(2048);
        PacketBatch in = port.newBatch(64);
        PacketBatch out = port.newBatch(64);
        PacketBatch other = port.newBatch(64);
        CompletableFuture<Long> sender = Traffic.sendNumbered(box.nsB, box.ipA, PORT, COUNT, PAYLOAD, 16, 200_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (r.seen.cardinality() < COUNT && System.nanoTime() < deadline) {
            int n = port.receive(in);
            for (int i = 0; i < n; i++) {
                Packet p = in.packet(i);
                boolean ours = p.length() >= 14 + INNER && p.getShort(12) == 0x0800 && p.getByte(14 + 9) == 17
                        && p.getInt(14 + 16) == ipA && p.getShort(14 + 22) == PORT;
                if (ours) {
                    r.headroomSeen = Math.min(r.headroomSeen, p.headroom());
                    assertThat(Rewrites.gueOver6(p, 14, a6[0], a6[1], b6[0], b6[1], 40000 + (int) (in.address(i) & 0xFFF), GUE_PORT,
                            macA, macB)).isTrue();
                    out.add(p.offset(), p.length()); // the new start and length
                } else {
                    other.add(in.address(i), in.length(i));
                }
            }
            in.clear();
            if (!out.isEmpty()) {
                port.transmit(out);
            }
            if (!other.isEmpty()) {
                port.release(other);
            }
            if (n == 0) {
                drainTx.accept(0);
            }
            read(gue, buf, r);
        }
        r.sent = sender.get(10, TimeUnit.SECONDS);
        drainTx.accept(1000);
        read(gue, buf, r);
        return r;
    }

    private static void read(DatagramChannel gue, ByteBuffer buf, Result r) throws Exception {
        InetSocketAddress from;
        while ((from = (InetSocketAddress) gue.receive(buf.clear())) != null) {
            buf.flip();
            byte[] inner = Arrays.copyOf(buf.array(), buf.remaining());
            long seq = inner.length == INNER && (inner[0] & 0xFF) == 0x45
                    ? UdpFrames.sequence(Arrays.copyOfRange(inner, 28, INNER)) : -1;
            if (seq < 0 || seq >= COUNT || from.getPort() < 40000) {
                r.corrupt++;
            } else if (r.seen.get((int) seq)) {
                r.duplicates++;
            } else {
                r.seen.set((int) seq);
            }
        }
    }
}
