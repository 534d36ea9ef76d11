package dev.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CpuSetTest {
    @Test
    void parsesTheKernelsListFormat() {
        CpuSet s = CpuSet.parse(" 0-2,5,8-12:2\n");
        assertThat(s.size()).isEqualTo(3 + 1 + 3);
        assertThat(s.contains(0)).isTrue();
        assertThat(s.contains(2)).isTrue();
        assertThat(s.contains(3)).isFalse();
        assertThat(s.contains(5)).isTrue();
        assertThat(s.contains(10)).isTrue();
        assertThat(s.contains(11)).isFalse();
        assertThat(s.contains(-1)).isFalse();
        assertThat(s.first()).isZero();
        assertThat(s.last()).isEqualTo(12);
        assertThat(s).hasToString("0-2,5,8-12:2");
    }

    @Test
    void refusesWhatIsNotAList() {
        assertThatThrownBy(() -> CpuSet.parse("0-x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CpuSet.parse("3-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheAllowedListOfAStatusFile(@TempDir Path dir) throws IOException {
        Path status = Files.writeString(dir.resolve("status"), "Name:\tjava\nCpus_allowed:\t5\nCpus_allowed_list:\t0,2\n");
        CpuSet s = CpuSet.ofStatus(status);
        assertThat(s.contains(0)).isTrue();
        assertThat(s.contains(1)).isFalse();
        assertThat(s.contains(2)).isTrue();
    }

    @Test
    void thisProcessMayRunOnSomeCpu() {
        CpuSet allowed = CpuSet.allowed();
        assertThat(allowed.size()).isPositive().isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
