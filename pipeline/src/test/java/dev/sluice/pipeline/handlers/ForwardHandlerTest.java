package dev.sluice.pipeline.handlers;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.memory.SimulatedXskPort;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardHandlerTest {
    // Ethernet 02:..:01 <- 02:..:02, IPv4 10.0.0.1:1000 -> 10.0.0.2:53 UDP
    private static final byte[] UDP4 = HexFormat.of().parseHex(
            "020000000001" + "020000000002" + "0800"
            + "4500002e00000000" + "4011" + "0000" + "0a000001" + "0a000002"
            + "03e8" + "0035" + "001a" + "0000" + "00".repeat(18));

    @Test
    void fiveTupleSwapSwapsMacsAddressesAndPorts() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4096);
            MemorySegment.copy(UDP4, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, UDP4.length);
            PacketBatch b = new PacketBatch(seg, 4);
            b.add(0, UDP4.length);
            Verdicts v = Verdicts.forBurst(1);
            new ForwardHandler(ForwardHandler.Mode.FIVE_TUPLE_SWAP).onBurst(b, v);
            var p = b.packet(0);
            assertThat(p.getLong(0) >>> 16).isEqualTo(0x020000000002L);
            assertThat(p.getInt(26)).isEqualTo(0x0a000002);
            assertThat(p.getInt(30)).isEqualTo(0x0a000001);
            assertThat(p.getShort(34)).isEqualTo(53);
            assertThat(p.getShort(36)).isEqualTo(1000);
            assertThat(v.code(0)).isEqualTo(1); // back out the port it came in on
        }
    }

    /** testpmd's macswap as a pipeline handler over the AF_XDP user-space path (kernel side simulated). */
    @Test
    void macswapPipelineOverSimulatedAfXdpQueue() {
        try (SimulatedXskPort port = new SimulatedXskPort("xsk-sim", UmemConfig.defaults(), 1024, 512, UDP4, true)
                .limit(100_000)) {
            Pipeline p = Pipeline.builder().port(port).idle("yield")
                    .handler(() -> new ForwardHandler(ForwardHandler.Mode.MACSWAP)).start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (port.counters().get(PortCounters.TX_PACKETS) < 100_000 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            p.close();
            port.settle();
            assertThat(port.delivered()).isEqualTo(100_000);
            assertThat(port.counters().get(PortCounters.TX_PACKETS)).isEqualTo(100_000);
            assertThat(p.framesHeld()).isZero();
            assertThat(port.frameCounts().app()).isZero();
            assertThat(port.frameCounts().total()).isEqualTo(UmemConfig.defaults().frameCount());
            assertThat(port.ownership().violations()).isZero();
        }
    }
}
