package dev.sluice.lb.stats;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LbStatsTest {

    @Test
    void eachWorkerHasItsOwnRowsOfOneCacheLineEach() {
        LbStats stats = new LbStats(3, 10);
        for (int w = 0; w < 3; w++) {
            assertThat(stats.segment(w).address() % 128).isZero();
            assertThat(stats.segment(w).byteSize()).isEqualTo(10L * 64);
        }
        assertThat(LbStats.ROW_BYTES).isEqualTo(64);
        assertThat(stats.segment(0).address()).isNotEqualTo(stats.segment(1).address());
    }

    @Test
    void sumAddsEveryWorkersRowAndColumnsStayApart() {
        LbStats stats = new LbStats(2, 4);
        stats.worker(0).add(1, StatsColumns.PACKETS, 5);
        stats.worker(0).add(1, StatsColumns.PACKETS, 2);
        stats.worker(1).add(1, StatsColumns.PACKETS, 10);
        stats.worker(1).add(1, StatsColumns.BYTES, 600);
        stats.worker(0).add(2, StatsColumns.DROP_NO_MAC, 1);
        assertThat(stats.sum(1, StatsColumns.PACKETS)).isEqualTo(17);
        assertThat(stats.sum(1, StatsColumns.BYTES)).isEqualTo(600);
        assertThat(stats.sum(1, StatsColumns.NEW_FLOWS)).isZero();
        assertThat(stats.sum(2, StatsColumns.DROP_NO_MAC)).isEqualTo(1);
        assertThat(stats.sum(3, StatsColumns.PACKETS)).isZero();
        assertThat(stats.worker(0).get(1, StatsColumns.PACKETS)).isEqualTo(7);
    }

    @Test
    void aRowOutsideTheRowsCountsInTheSinkInsteadOfThrowing() {
        LbStats stats = new LbStats(1, 2);
        stats.worker(0).add(2, StatsColumns.PACKETS, 1);
        stats.worker(0).add(-1, StatsColumns.PACKETS, 1);
        stats.worker(0).add(Integer.MAX_VALUE, StatsColumns.BYTES, 3);
        assertThat(stats.sum(LbStats.SINK, StatsColumns.PACKETS)).isEqualTo(2);
        assertThat(stats.sum(LbStats.SINK, StatsColumns.BYTES)).isEqualTo(3);
        assertThat(stats.sum(1, StatsColumns.PACKETS)).isZero();
    }

    @Test
    void sizesAreChecked() {
        assertThatThrownBy(() -> new LbStats(0, 4)).hasMessageContaining("at least one worker");
        assertThatThrownBy(() -> new LbStats(1, 0)).hasMessageContaining("rows must be");
    }

    @Test
    void noneGivesTheSinkForEverything() {
        assertThat(StatsRows.NONE.vipRow("web")).isEqualTo(LbStats.SINK);
        assertThat(StatsRows.NONE.backendRow("web", java.net.InetAddress.getLoopbackAddress())).isEqualTo(LbStats.SINK);
    }
}
