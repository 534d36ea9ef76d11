package dev.sluice.pipeline.runtime;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.drivers.memory.MemoryPorts;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test bench: {@code n} memory port pairs over one UMEM and one tracked pool. The pipeline gets the
 * inner ends; the test drives the outer ends ("the wire"): it writes UDP/IPv4 packets with a flow
 * number and a sequence number, and reads what the pipeline sends back out.
 *
 * <pre>
 * packet: Ethernet (14) | IPv4 (20), src 10.0.(flow>>8).(flow), dst 10.1.0.1 | UDP (8) sport 1000+flow, dport 53
 *         | payload: u64 sequence @42, u32 outer port sent on @50, u32 handler stamp @54
 * </pre>
 */
final class MemoryRig implements AutoCloseable {
    static final int LENGTH = 64;
    static final int SEQ = 42;
    static final int SENT_ON = 50;
    static final int STAMP = 54;

    final Umem umem;
    final FrameOwnership ownership;
    final SharedFramePool pool;
    final List<MemoryPorts.Pair> pairs = new ArrayList<>();
    final List<PacketBatch> outBatches = new ArrayList<>();
    final List<PacketBatch> inBatches = new ArrayList<>();
    long sent;
    long received;
    long seq;
    final long[] receivedOn;

    MemoryRig(int portCount, int frames, int ringSize) {
        umem = Umem.allocate(UmemConfig.defaults().withFrameCount(frames));
        ownership = new FrameOwnership(umem);
        pool = SharedFramePool.of(umem, ownership);
        for (int i = 0; i < portCount; i++) {
            MemoryPorts.Pair p = MemoryPorts.pair(pool, ringSize, "wire" + i, "port" + i);
            pairs.add(p);
            outBatches.add(p.a().newBatch(64));
            inBatches.add(p.a().newBatch(64));
        }
        receivedOn = new long[portCount];
    }

    /** The ends the pipeline drives. */
    List<Port> pipelinePorts() {
        List<Port> l = new ArrayList<>();
        for (MemoryPorts.Pair p : pairs) {
            l.add(p.b());
        }
        return l;
    }

    MemoryPort wire(int i) {
        return pairs.get(i).a();
    }

    /** Sends up to {@code n} packets of flows {@code flow0 .. flow0+flows-1} on wire {@code i}; returns sent. */
    int send(int i, int n, int flow0, int flows, boolean reverse) {
        MemoryPort w = wire(i);
        PacketBatch b = outBatches.get(i);
        int k = w.allocate(b, Math.min(n, 64), LENGTH);
        for (int j = 0; j < k; j++) {
            int flow = flow0 + (int) ((seq + j) % flows);
            write(b, j, flow, seq + j, i, reverse);
        }
        seq += k;
        int s = w.transmit(b);
        sent += s;
        return s;
    }

    static void write(PacketBatch b, int j, int flow, long seq, int sentOn, boolean reverse) {
        var p = b.packet(j);
        p.setLong(0, 0x0200_0000_0001L << 16 | 0x0200);       // dst 02:00:00:00:00:01, src starts 02:00
        p.setInt(8, 0x0000_0002);                               // src 02:00:00:00:00:02
        p.setShort(12, 0x0800);
        p.setShort(14, 0x4500);
        p.setShort(16, LENGTH - 14);
        p.setInt(18, 0);
        p.setShort(22, 0x4011);                                 // TTL 64, UDP
        p.setShort(24, 0);
        int a = 0x0a00_0000 | flow;                             // 10.0.x.y
        int c = 0x0a01_0001;                                    // 10.1.0.1
        int sp = 1000 + flow;
        int dp = 53;
        p.setInt(26, reverse ? c : a);
        p.setInt(30, reverse ? a : c);
        p.setShort(34, reverse ? dp : sp);
        p.setShort(36, reverse ? sp : dp);
        p.setShort(38, LENGTH - 34);
        p.setShort(40, 0);
        p.setLong(SEQ, seq);
        p.setInt(SENT_ON, sentOn);
        p.setInt(STAMP, -1);
    }

    /** Receives and releases whatever the pipeline sent out on wire {@code i}; returns packets. */
    int receive(int i, PacketConsumer consumer) {
        MemoryPort w = wire(i);
        PacketBatch b = inBatches.get(i);
        int n = w.receive(b);
        if (consumer != null) {
            for (int j = 0; j < n; j++) {
                consumer.accept(i, b, j);
            }
        }
        w.release(b);
        received += n;
        receivedOn[i] += n;
        return n;
    }

    int receiveAll(PacketConsumer consumer) {
        int n = 0;
        for (int i = 0; i < pairs.size(); i++) {
            n += receive(i, consumer);
        }
        return n;
    }

    /**
     * Sends {@code total} packets spread over the wires and flows, never more than {@code window}
     * outstanding (so no ring anywhere can overflow), and receives until all came back.
     */
    void run(long total, int window, int flows, PacketConsumer consumer) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int wire = 0;
        long idle = 0;
        while (received < total) {
            long outstanding = sent - received;
            if (sent < total && outstanding < window) {
                int n = (int) Math.min(Math.min(64, window - outstanding), total - sent);
                send(wire, n, 0, flows, false);
                wire = (wire + 1) % pairs.size();
            }
            if (receiveAll(consumer) == 0 && ++idle % 64 == 0) {
                Thread.yield();
            }
            assertThat(System.nanoTime()).as("traffic timed out: sent %d received %d", sent, received).isLessThan(deadline);
        }
    }

    /** Frames are all back in the pool and every hand-over came from the right owner. */
    void assertAllFramesBack() {
        for (MemoryPorts.Pair p : pairs) {
            p.a().drain();
            p.b().drain();
        }
        assertThat(ownership.violations()).as("first violation: %s", ownership.firstViolation()).isZero();
        assertThat(pool.available()).as("free frames (owners: %s)", ownership.summary()).isEqualTo(umem.frameCount());
        assertThat(ownership.count(FrameOwnership.POOL)).isEqualTo(umem.frameCount());
    }

    long portCounter(int counter) {
        long n = 0;
        for (MemoryPorts.Pair p : pairs) {
            n += p.a().counters().get(counter) + p.b().counters().get(counter);
        }
        return n;
    }

    long txRingFull() {
        return portCounter(PortCounters.TX_RING_FULL);
    }

    @Override
    public void close() {
        for (MemoryPorts.Pair p : pairs) {
            p.close();
        }
        pool.close();
        umem.close();
    }

    @FunctionalInterface
    interface PacketConsumer {
        void accept(int wire, PacketBatch batch, int index);
    }
}
