package dev.sluice.pipeline.gen;

import dev.sluice.proto.Checksums;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Source ports of the flows stay in range: up to 65535, never wrapping to 0. */
class UdpTemplateTest {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};

    private static UdpTemplate template(int srcPort, int dstPort) {
        return new UdpTemplate(MAC_A, MAC_B, 0x0a000001, 0x0a000002, srcPort, dstPort, 60);
    }

    @Test
    void portsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> template(65536, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> template(1024, 70000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> template(-1, 9)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLastFlowIsPort65535WithAValidChecksum() {
        UdpTemplate t = template(65000, 9);
        assertThat(t.flowCapacity()).isEqualTo(536);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(t.length());
            t.writeTo(seg, 0);
            t.setFlow(seg, 0, t.flowCapacity() - 1);
            assertThat(seg.get(SHORT_BE, UdpTemplate.SRC_PORT) & 0xFFFF).isEqualTo(65535);
            short stamped = seg.get(SHORT_BE, UdpTemplate.UDP_CHECKSUM);
            Checksums.setL4OverIpv4(seg, UdpTemplate.ETH, UdpTemplate.ETH + UdpTemplate.IP,
                    t.length() - UdpTemplate.ETH - UdpTemplate.IP, 17);
            assertThat(stamped).isEqualTo(seg.get(SHORT_BE, UdpTemplate.UDP_CHECKSUM));
        }
    }

    @Test
    void aGeneratorWithMoreFlowsThanPortsIsRefused() {
        UdpTemplate t = template(65000, 9);
        // The flow count is checked before the port is touched: no port needed to see the refusal.
        assertThatThrownBy(() -> new TxGenerator(null, t, 537, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..536");
        assertThatThrownBy(() -> new TxGenerator(null, template(1, 9), 65536, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..65535");
    }
}
