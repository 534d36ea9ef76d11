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
            // Either way the region works, to its last byte.
            umem.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, umem.byteSize() - 8, 42L);
            assertThat(umem.segment().address() % 4096).isZero();
            if (hugePagesReserved() == 0) {
                assertThat(umem.hugePages()).as("huge pages granted with none reserved (vm.nr_hugepages = 0)").isFalse();
            }
            if (umem.hugePages()) {
                assertThat(umem.segment().address() % (2 << 20)).as("a huge-page region starts on a 2 MiB boundary").isZero();
            }
        }
    }

    /** HugePages_Total from /proc/meminfo: huge pages the system has reserved at all. */
    private static long hugePagesReserved() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("HugePages_Total:"))
                    .mapToLong(l -> Long.parseLong(l.substring("HugePages_Total:".length()).trim()))
                    .findFirst().orElse(0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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
