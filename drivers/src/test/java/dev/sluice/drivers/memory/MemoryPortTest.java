package dev.sluice.drivers.memory;

import dev.sluice.drivers.PortCounters;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryPortTest {

    @Test
    void whatOneSideTransmitsTheOtherReceivesWithoutCopying() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(256));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem));
             MemoryPorts.Pair pair = MemoryPorts.pair(pool, 64)) {
            PacketBatch tx = pair.a().newBatch(16);
            assertThat(pair.a().allocate(tx, 10, 60)).isEqualTo(10);
            long[] addrs = new long[10];
            for (int i = 0; i < 10; i++) {
                tx.packet(i).setInt(0, 1000 + i);
                addrs[i] = tx.address(i);
            }
            assertThat(pair.a().transmit(tx)).isEqualTo(10);
            assertThat(tx.count()).isZero();
            PacketBatch rx = pair.b().newBatch(16);
            assertThat(pair.b().receive(rx)).isEqualTo(10);
            for (int i = 0; i < 10; i++) {
                assertThat(rx.address(i)).isEqualTo(addrs[i]);
                assertThat(rx.length(i)).isEqualTo(60);
                assertThat(rx.packet(i).getInt(0)).isEqualTo(1000 + i);
            }
            assertThat(pool.ownership().count(FrameOwnership.APP)).isEqualTo(10);
            pair.b().release(rx);
            assertThat(pair.a().counters().get(PortCounters.TX_PACKETS)).isEqualTo(10);
            assertThat(pair.b().counters().get(PortCounters.RX_PACKETS)).isEqualTo(10);
            assertThat(pair.b().counters().get(PortCounters.DROPPED)).isEqualTo(10);
            assertThat(pool.available()).isEqualTo(256);
            assertThat(pool.ownership().violations()).isZero();
        }
    }

    /** Packets whose start moved (prepend, trimFront) cross the link from their new start; every frame comes home. */
    @Test
    void packetsWhoseStartMovedArriveFromTheNewStartAndTheirFramesComeBack() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(256));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem));
             MemoryPorts.Pair pair = MemoryPorts.pair(pool, 64)) {
            PacketBatch tx = pair.a().newBatch(16);
            assertThat(pair.a().allocate(tx, 16, 60)).isEqualTo(16);
            for (int i = 0; i < 16; i++) {
                var p = tx.packet(i);
                assertThat(p.headroom()).as("room for Ethernet + 2 VLAN tags + IPv6 + UDP").isGreaterThanOrEqualTo(14 + 8 + 40 + 8);
                p.setInt(0, 1000 + i);
                if (i % 2 == 0) {
                    assertThat(p.prepend(48)).isTrue();
                    p.setInt(0, 0xE0E0_0000 | i);
                } else {
                    assertThat(p.trimFront(4)).isTrue();
                }
            }
            assertThat(pair.a().transmit(tx)).isEqualTo(16);
            PacketBatch rx = pair.b().newBatch(16);
            assertThat(pair.b().receive(rx)).isEqualTo(16);
            for (int i = 0; i < 16; i++) {
                var p = rx.packet(i);
                if (i % 2 == 0) {
                    assertThat(p.length()).isEqualTo(108);
                    assertThat(p.getInt(0)).isEqualTo(0xE0E0_0000 | i);
                    assertThat(p.getInt(48)).isEqualTo(1000 + i);
                    assertThat(p.headroom()).isEqualTo(256 - 48);
                } else {
                    assertThat(p.length()).isEqualTo(56);
                    assertThat(p.headroom()).isEqualTo(260);
                }
            }
            pair.b().transmit(rx); // back to a: a's cache takes these frames when a drains
            PacketBatch back = pair.a().newBatch(16);
            assertThat(pair.a().receive(back)).isEqualTo(16);
            pair.a().release(back);
            pair.a().drain();
            pair.b().drain();
            assertThat(pool.available()).isEqualTo(256);
            assertThat(pool.ownership().violations()).as(pool.ownership().firstViolation()).isZero();
            assertThat(pool.ownership().count(FrameOwnership.POOL)).isEqualTo(256);
        }
    }

    @Test
    void fullRingDropsCountsAndReturnsFrames() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(256));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem));
             MemoryPorts.Pair pair = MemoryPorts.pair(pool, 32)) {
            PacketBatch tx = pair.a().newBatch(100);
            assertThat(pair.a().allocate(tx, 100, 60)).isEqualTo(100);
            assertThat(pair.a().transmit(tx)).isEqualTo(32);
            assertThat(pair.a().counters().get(PortCounters.TX_RING_FULL)).isEqualTo(68);
            assertThat(pair.b().pendingReceive()).isEqualTo(32);
            assertThat(pool.ownership().count(FrameOwnership.TX)).isEqualTo(32);
            pair.b().drain();
            assertThat(pool.available()).isEqualTo(256);
            assertThat(pool.ownership().violations()).isZero();
        }
    }

    @Test
    void allocateStopsWhenThePoolRunsDry() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64));
             MemoryPorts.Pair pair = MemoryPorts.pair(umem, 64)) {
            PacketBatch b = pair.a().newBatch(128);
            assertThat(pair.a().allocate(b, 128, 60)).isEqualTo(64);
            assertThat(pair.a().counters().get(PortCounters.FILL_STARVED)).isEqualTo(1);
            pair.a().release(b);
        }
    }

    /** One thread drives each end: a generates, b echoes back, a counts and frees. */
    @Test
    void twoThreadsConserveEveryPacketAndFrame() throws Exception {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(1024));
             SharedFramePool pool = SharedFramePool.of(umem, new FrameOwnership(umem));
             MemoryPorts.Pair pair = MemoryPorts.pair(pool, 256)) {
            long total = 200_000;
            AtomicLong echoed = new AtomicLong();
            Thread echo = Thread.ofPlatform().start(() -> {
                MemoryPort b = pair.b();
                PacketBatch batch = b.newBatch(64);
                long n = 0;
                while (n < total) {
                    int k = b.receive(batch);
                    n += k;
                    if (k > 0) {
                        b.transmit(batch); // b->a ring can hold everything a has in flight: nothing drops
                    } else {
                        Thread.onSpinWait();
                    }
                }
                echoed.set(n);
            });
            MemoryPort a = pair.a();
            PacketBatch out = a.newBatch(64);
            PacketBatch in = a.newBatch(64);
            long sent = 0;
            long back = 0;
            long seq = 0;
            while (back < total) {
                if (sent < total && sent - back <= 256 - 64) {
                    int k = a.allocate(out, (int) Math.min(64, total - sent), 64);
                    for (int i = 0; i < k; i++) {
                        out.packet(i).setLong(0, seq++);
                    }
                    sent += a.transmit(out);
                }
                int r = a.receive(in);
                for (int i = 0; i < r; i++) {
                    assertThat(in.packet(i).getLong(0)).isEqualTo(back + i);
                }
                back += r;
                a.release(in);
            }
            echo.join();
            assertThat(echoed.get()).isEqualTo(total);
            assertThat(a.counters().get(PortCounters.TX_RING_FULL)).isZero();
            assertThat(pair.b().counters().get(PortCounters.TX_RING_FULL)).isZero();
            pair.a().drain();
            pair.b().drain();
            assertThat(pool.available()).isEqualTo(1024);
            assertThat(pool.ownership().violations()).as(pool.ownership().firstViolation()).isZero();
            assertThat(pool.ownership().count(FrameOwnership.POOL)).isEqualTo(1024);
        }
    }

    @Test
    void simulatedXskPortFeedsARealAfXdpQueue() {
        byte[] frame = new byte[60];
        frame[12] = 0x08;
        try (SimulatedXskPort port = new SimulatedXskPort("sim", UmemConfig.defaults().withFrameCount(1024), 512, 256, frame, true)
                .limit(1000)) {
            PacketBatch b = port.newBatch(64);
            long got = 0;
            for (int i = 0; i < 100; i++) {
                got += port.receive(b);
                port.transmit(b);
            }
            port.settle();
            assertThat(got).isEqualTo(1000).isEqualTo(port.delivered());
            assertThat(port.counters().get(PortCounters.TX_PACKETS)).isEqualTo(1000);
            assertThat(port.frameCounts().total()).isEqualTo(1024);
            assertThat(port.frameCounts().app()).isZero();
            assertThat(port.ownership().violations()).isZero();
        }
    }
}
