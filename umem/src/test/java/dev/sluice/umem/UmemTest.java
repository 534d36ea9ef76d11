package dev.sluice.umem;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UmemTest {
    @Test
    void regionIsPageAlignedAndFramesAddUp() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults())) {
            assertThat(umem.segment().address() % 4096).isZero();
            assertThat(umem.byteSize()).isEqualTo(4096L * 2048);
            assertThat(umem.frameOf(3 * 2048 + 300)).isEqualTo(3 * 2048);
        }
    }

    @Test
    void hugePagesWhenAvailableNormalPagesOtherwise() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withHugePages(true))) {
            // Either way the region works; which one the system gave is reported.
            umem.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, umem.byteSize() - 8, 42L);
            assertThat(umem.segment().address() % 4096).isZero();
            System.out.println("huge pages granted: " + umem.hugePages());
        }
    }

    @Test
    void configRejectsWhatTheKernelWould() {
        assertThatThrownBy(() -> UmemConfig.defaults().withFrameSize(3000)).hasMessageContaining("2048 or 4096");
        assertThatThrownBy(() -> UmemConfig.defaults().withHeadroom(2048 - 703)).hasMessageContaining("headroom");
        assertThatThrownBy(() -> UmemConfig.defaults().withFrameCount(10)).hasMessageContaining("frame count");
    }

    @Test
    void framePoolIsLifoAndBounded() {
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64))) {
            FramePool pool = FramePool.ofFrames(umem, 0, 64);
            assertThat(pool.available()).isEqualTo(64);
            long a = pool.allocate();
            pool.free(a);
            assertThat(pool.allocate()).isEqualTo(a);
        }
    }
}
