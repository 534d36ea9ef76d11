package dev.sluice.drivers.afpacket;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AfPacketOptionsTest {
    @Test
    void defaultsDescribeAValidRing() {
        AfPacketOptions o = AfPacketOptions.defaults();
        assertThat(o.rxRingBytes()).isEqualTo(16L << 20);
        assertThat(o.txRingBytes()).isEqualTo(1024L * 2048);
        assertThat(o.fanoutGroup()).isEqualTo(-1);
        assertThat(o.txBlockSize()).isEqualTo(4096);
        assertThat(o.withFrameSize(4096).txBlockSize()).isEqualTo(4096);
    }

    @Test
    void shapesTheKernelWouldRefuseAreRefusedWithASentence() {
        AfPacketOptions d = AfPacketOptions.defaults();
        assertThatThrownBy(() -> d.withBlockSize(3000)).hasMessageContaining("power of two").hasMessageContaining("3000");
        assertThatThrownBy(() -> d.withBlockSize(1024)).hasMessageContaining("at least a page");
        assertThatThrownBy(() -> d.withFrameSize(1500)).hasMessageContaining("2048 or 4096");
        assertThatThrownBy(() -> d.withFrameSize(4096).withBlockSize(4096).withFrameSize(4096).withBlockSize(2048))
                .hasMessageContaining("block size");
        assertThatThrownBy(() -> d.withBlockCount(1)).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> d.withTxFrames(1000)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> d.withRetireTimeoutMillis(0)).hasMessageContaining("retire timeout");
        assertThatThrownBy(() -> d.withFanout(70_000, AfPacketOptions.FanoutMode.HASH)).hasMessageContaining("fanout group");
        assertThatThrownBy(() -> d.withPoolFrames(10)).hasMessageContaining("pool frames");
    }

    @Test
    void aRingOfMoreThanTwoToThe32FramesIsTooLarge() {
        assertThatThrownBy(() -> AfPacketOptions.defaults().withBlockSize(1 << 30).withBlockCount(1 << 14))
                .hasMessageContaining("too large").hasMessageContaining("2^32 frames");
    }
}
