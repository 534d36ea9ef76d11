package dev.sluice.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** One format per kind of number: counts grouped and bit rates with two decimals in the live line, plain digits in the summary. */
class RateReportTest {
    @Test
    void everyCountInALiveLineIsGrouped() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RateReport r = new RateReport(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        r.start(new RateReport.Sample(0, 0, 0, 0, 0, 0, 0, 0));
        r.tick(new RateReport.Sample(1_000_000_000L, 1_234_567, 1_234_567L * 64, 7, 448, 12_345, 2_000, 1_000_000));
        String line = bytes.toString(StandardCharsets.UTF_8);
        assertThat(line).contains("rx  1,234,567 pps").contains("632.10 Mb/s").contains("3.58 kb/s")
                .contains("dropped 12,345").contains("ring_full 2,000").contains("fill_empty 1,000,000");
    }

    @Test
    void bitRatesHaveTwoDecimalsInEveryUnit() {
        assertThat(RateReport.bits(12_345_678_901.0)).isEqualTo("12.35 Gb/s");
        assertThat(RateReport.bits(12_345_678)).isEqualTo("12.35 Mb/s");
        assertThat(RateReport.bits(12_345)).isEqualTo("12.35 kb/s");
        assertThat(RateReport.bits(12)).isEqualTo("12 b/s");
    }

    @Test
    void summaryNumbersArePlainDigits() {
        RateReport r = new RateReport(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        r.start(new RateReport.Sample(0, 0, 0, 0, 0, 0, 0, 0));
        var s = r.summary(new RateReport.Sample(2_000_000_000L, 1_234_567, 0, 0, 0, 0, 0, 0));
        assertThat(s.get("rx_packets")).isEqualTo("1234567");
        assertThat(RateReport.plain(-1)).isEqualTo("-1");
        assertThat(RateReport.plain(0.5)).isEqualTo("0.5");
    }
}
