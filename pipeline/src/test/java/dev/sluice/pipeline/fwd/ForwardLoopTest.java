package dev.sluice.pipeline.fwd;

import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.proto.Checksums;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** The forward modes on real frames, through a real AfXdpQueue over the simulated kernel side. */
class ForwardLoopTest {
    /** Ethernet + IPv4 (checksummed) + UDP 1111 -> 2222 from 10.0.0.1 to 10.0.0.2. */
    private static byte[] udp4() {
        byte[] f = HexFormat.of().parseHex(
                "020000000002" + "020000000001" + "0800"
                + "4500002e00004000401100000a0000010a000002"
                + "045708ae001a0000" + "000102030405060708090a0b0c0d0e0f1011");
        MemorySegment s = MemorySegment.ofArray(f);
        Checksums.setIpv4Header(s, 14);
        Checksums.setL4OverIpv4(s, 14, 34, 26, 17);
        return f;
    }

    private static byte[] forwardOne(ForwardMode mode, byte[] frame) {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), 64, 32, frame, false, true)) {
            ForwardLoop loop = new ForwardLoop(sim.queue(), mode, 1);
            sim.deliver(1);
            assertThat(loop.doWork()).isEqualTo(1);
            // The transmitted descriptor points at the frame the loop rewrote in place: the one frame in TX.
            assertThat(sim.ownership().count(FrameOwnership.TX)).isEqualTo(1);
            PacketBatch probe = sim.queue().newBatch(1);
            long addr = sim.ownership().firstOwnedBy(FrameOwnership.TX) + UmemConfig.KERNEL_HEADROOM;
            probe.add(addr, frame.length);
            return probe.packet(0).toArray();
        }
    }

    @Test
    void macswapSwapsOnlyTheMacs() {
        byte[] in = udp4();
        byte[] out = forwardOne(ForwardMode.MACSWAP, in);
        assertThat(HexFormat.of().formatHex(out, 0, 12)).isEqualTo("020000000001" + "020000000002");
        assertThat(HexFormat.of().formatHex(out, 12, out.length)).isEqualTo(HexFormat.of().formatHex(in, 12, in.length));
    }

    @Test
    void fiveTupleSwapMakesTheReplyAndKeepsChecksumsValid() {
        byte[] out = forwardOne(ForwardMode.FIVETUPLESWAP, udp4());
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
    void modesParseByTheirCommandLineNames() {
        assertThat(ForwardMode.parse("5tswap")).isEqualTo(ForwardMode.FIVETUPLESWAP);
        assertThat(ForwardMode.parse("macswap")).isEqualTo(ForwardMode.MACSWAP);
    }
}
