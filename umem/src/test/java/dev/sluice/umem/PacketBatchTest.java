package dev.sluice.umem;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketBatchTest {

    @Test
    void addAllAppendsEveryPacketInOrderAndLeavesTheSourceAsItWas() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            int frame = umem.frameSize();
            PacketBatch to = new PacketBatch(umem, 8);
            PacketBatch from = new PacketBatch(umem, 8);
            to.add(frame + 256, 60);
            for (int i = 0; i < 3; i++) {
                from.add((long) (i + 2) * frame + 256, 100 + i);
            }
            to.addAll(from);
            assertThat(to.count()).isEqualTo(4);
            assertThat(to.address(0)).isEqualTo(frame + 256);
            for (int i = 0; i < 3; i++) {
                assertThat(to.address(i + 1)).isEqualTo((long) (i + 2) * frame + 256);
                assertThat(to.length(i + 1)).isEqualTo(100 + i);
            }
            assertThat(from.count()).as("the caller clears the source once the frames are owned elsewhere").isEqualTo(3);
        }
    }

    @Test
    void nativeAddressIsWherePacketAccessorsReadAndWrite() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            PacketBatch b = new PacketBatch(umem, 4);
            b.add(3L * umem.frameSize() + 256, 60);
            b.packet(0).setInt(10, 0x0102_0304);
            MemorySegment all = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
            assertThat(b.nativeAddress(0)).isEqualTo(umem.segment().address() + 3L * umem.frameSize() + 256);
            assertThat(all.get(ValueLayout.JAVA_BYTE, b.nativeAddress(0) + 13)).isEqualTo((byte) 4);
        }
    }

    @Test
    void frameMemoryOnTheHeapIsRefused() {
        assertThatThrownBy(() -> new PacketBatch(MemorySegment.ofArray(new byte[8192]), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");
    }
}
