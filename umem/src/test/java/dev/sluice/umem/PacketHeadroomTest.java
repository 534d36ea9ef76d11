package dev.sluice.umem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketHeadroomTest {

    @ParameterizedTest
    @ValueSource(ints = {2048, 4096})
    void prependMovesTheStartIntoTheHeadroomAndNoFurther(int frameSize) {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameSize(frameSize).withFrameCount(64))) {
            PacketBatch b = new PacketBatch(umem, 4);
            long frame = 5L * frameSize;
            b.add(frame + 256, 100);
            Packet p = b.packet(0);
            p.setInt(0, 0xCAFEBABE);
            assertThat(p.headroom()).isEqualTo(256);
            assertThat(p.tailroom()).isEqualTo(frameSize - 356);
            assertThat(b.frameStart(0)).isEqualTo(frame);

            assertThat(p.prepend(48)).isTrue();
            assertThat(p.offset()).isEqualTo(frame + 208);
            assertThat(p.length()).isEqualTo(148);
            assertThat(p.headroom()).isEqualTo(208);
            assertThat(p.tailroom()).isEqualTo(frameSize - 356);
            assertThat(p.getInt(48)).as("the old first byte is now at offset 48").isEqualTo(0xCAFEBABE);

            assertThat(p.prepend(209)).as("one byte more than the headroom").isFalse();
            assertThat(p.prepend(-1)).isFalse();
            assertThat(p.offset()).isEqualTo(frame + 208);
            assertThat(p.length()).isEqualTo(148);

            assertThat(p.prepend(208)).as("exactly the headroom: the packet starts at the frame").isTrue();
            assertThat(p.offset()).isEqualTo(frame);
            assertThat(p.headroom()).isZero();
            assertThat(p.prepend(1)).isFalse();
            assertThat(b.frameStart(0)).isEqualTo(frame);
        }
    }

    @Test
    void trimFrontGivesBytesBackToTheHeadroomBoundedByTheLength() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            PacketBatch b = new PacketBatch(umem, 4);
            b.add(2048 + 256, 60);
            Packet p = b.packet(0);
            p.setShort(20, 0x1234);
            assertThat(p.trimFront(20)).isTrue();
            assertThat(p.length()).isEqualTo(40);
            assertThat(p.headroom()).isEqualTo(276);
            assertThat(p.getShort(0)).isEqualTo(0x1234);
            assertThat(p.trimFront(41)).isFalse();
            assertThat(p.trimFront(-1)).isFalse();
            assertThat(p.length()).isEqualTo(40);
            assertThat(p.trimFront(40)).isTrue();
            assertThat(p.length()).isZero();
            assertThat(p.prepend(60)).as("and back again").isTrue();
            assertThat(p.offset()).isEqualTo(2048 + 256);
            assertThat(p.length()).isEqualTo(60);
        }
    }

    @Test
    void aBatchWithoutAFrameSizeAssumesTheSmallestChunkSoItNeverOverstatesTheHeadroom() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameSize(4096).withFrameCount(64))) {
            PacketBatch b = new PacketBatch(umem.segment(), 4);
            b.add(4096 + 2048 + 100, 60); // second half of a 4096-byte frame
            assertThat(b.frameSize()).isEqualTo(PacketBatch.MIN_FRAME_SIZE);
            assertThat(b.packet(0).headroom()).isEqualTo(100);
            assertThat(b.packet(0).prepend(101)).isFalse();
        }
    }

    @Test
    void prependedBytesAreWrittenInTheFrameNotOutsideIt() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            PacketBatch b = new PacketBatch(umem, 4);
            b.add(3 * 2048 + 256, 64);
            Packet p = b.packet(0);
            assertThat(p.prepend(256)).isTrue();
            for (int i = 0; i < 256; i++) {
                p.setByte(i, 0xEE);
            }
            assertThat(umem.segment().get(ValueLayout.JAVA_BYTE, 3 * 2048 - 1)).as("the previous frame's last byte").isZero();
            assertThat(umem.segment().get(ValueLayout.JAVA_BYTE, 3 * 2048) & 0xFF).isEqualTo(0xEE);
        }
    }

    @Test
    void frameSizeMustBeAPowerOfTwo() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            assertThatThrownBy(() -> new PacketBatch(umem.segment(), 4, 3000)).hasMessageContaining("power of two");
        }
    }
}
