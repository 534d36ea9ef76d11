package dev.sluice.pipeline.handlers;

import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.memory.SimulatedXskPort;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.proto.Checksums;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForwardHandlerTest {
    // Ethernet 02:..:01 <- 02:..:02, IPv4 10.0.0.1:1000 -> 10.0.0.2:53 UDP
    private static final byte[] UDP4 = HexFormat.of().parseHex(
            "020000000001" + "020000000002" + "0800"
            + "4500002e00000000" + "4011" + "0000" + "0a000001" + "0a000002"
            + "03e8" + "0035" + "001a" + "0000" + "00".repeat(18));

    /** Ethernet + IPv4 (checksummed) + UDP 1111 -> 2222 from 10.0.0.1 to 10.0.0.2. */
    private static byte[] checksummedUdp4() {
        byte[] f = HexFormat.of().parseHex(
                "020000000002" + "020000000001" + "0800"
                + "4500002e00004000401100000a0000010a000002"
                + "045708ae001a0000" + "000102030405060708090a0b0c0d0e0f1011");
        MemorySegment s = MemorySegment.ofArray(f);
        Checksums.setIpv4Header(s, 14);
        Checksums.setL4OverIpv4(s, 14, 34, 26, 17);
        return f;
    }

    /** Runs {@code mode} over one packet received on port 0; returns the packet and its verdict. */
    private static byte[] forwardOne(ForwardMode mode, byte[] frame, int[] verdict) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4096);
            MemorySegment.copy(frame, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, frame.length);
            PacketBatch b = new PacketBatch(seg, 4);
            b.add(0, frame.length);
            Verdicts v = Verdicts.forBurst(0);
            new ForwardHandler(mode).onBurst(b, v);
            verdict[0] = v.code(0);
            return b.packet(0).toArray();
        }
    }

    @Test
    void macswapSwapsOnlyTheMacs() {
        byte[] in = checksummedUdp4();
        int[] verdict = new int[1];
        byte[] out = forwardOne(ForwardMode.MACSWAP, in, verdict);
        assertThat(HexFormat.of().formatHex(out, 0, 12)).isEqualTo("020000000001" + "020000000002");
        assertThat(HexFormat.of().formatHex(out, 12, out.length)).isEqualTo(HexFormat.of().formatHex(in, 12, in.length));
        assertThat(verdict[0]).as("back out the port it came in on").isZero();
    }

    @Test
    void fiveTupleSwapMakesTheReplyAndKeepsChecksumsValid() {
        byte[] out = forwardOne(ForwardMode.FIVETUPLESWAP, checksummedUdp4(), new int[1]);
        String hex = HexFormat.of().formatHex(out);
        assertThat(hex.substring(0, 24)).isEqualTo("020000000001" + "020000000002");
        assertThat(hex.substring(52, 68)).isEqualTo("0a000002" + "0a000001");
        assertThat(hex.substring(68, 76)).isEqualTo("08ae" + "0457");
        MemorySegment s = MemorySegment.ofArray(out);
        assertThat(Checksums.ipv4HeaderValid(s, 14)).isTrue();
        long sum = Checksums.sum(s, 34, 26, (0x0a000002L) + (0x0a000001L) + 17 + 26);
        assertThat(Checksums.fold(sum)).as("UDP checksum over the swapped pseudo-header").isZero();
    }

    @Test
    void rxonlyDropsAndIoSendsBackUnchanged() {
        byte[] in = checksummedUdp4();
        int[] verdict = new int[1];
        assertThat(forwardOne(ForwardMode.IO, in, verdict)).isEqualTo(in);
        assertThat(verdict[0]).isZero();
        assertThat(forwardOne(ForwardMode.RXONLY, in, verdict)).isEqualTo(in);
        assertThat(verdict[0]).isEqualTo(Verdicts.DROP);
    }

    @Test
    void modesParseByTheirCommandLineNames() {
        assertThat(ForwardMode.parse("5tswap")).isEqualTo(ForwardMode.FIVETUPLESWAP);
        assertThat(ForwardMode.parse("macswap")).isEqualTo(ForwardMode.MACSWAP);
        assertThat(ForwardMode.FIVETUPLESWAP.label()).isEqualTo("5tswap");
        assertThatThrownBy(() -> ForwardMode.parse("mirror")).hasMessageContaining("rxonly, io, macswap, 5tswap");
    }

    @Test
    void fiveTupleSwapSwapsMacsAddressesAndPorts() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4096);
            MemorySegment.copy(UDP4, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, UDP4.length);
            PacketBatch b = new PacketBatch(seg, 4);
            b.add(0, UDP4.length);
            Verdicts v = Verdicts.forBurst(1);
            new ForwardHandler(ForwardMode.FIVETUPLESWAP).onBurst(b, v);
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
                    .handler(() -> new ForwardHandler(ForwardMode.MACSWAP)).start();
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
