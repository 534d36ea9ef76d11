package dev.sluice.cli.demo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CurlOutputTest {
    private static final long NOW = 50_000_000_000L;

    @Test
    void aShortRequestIsItsBodyThenTheStatusLine() {
        CurlOutput out = new CurlOutput(false);
        assertThat(out.line("b2", NOW - 1)).isNull();
        Request r = out.line("|200|0|0.250000", NOW);
        assertThat(r).isEqualTo(new Request(NOW - 250_000_000L, NOW, "b2", 200, 0, false));
        assertThat(r.ok()).isTrue();
    }

    @Test
    void aRefusedConnectionHasNoBackendAndIsNotOk() {
        CurlOutput out = new CurlOutput(false);
        Request r = out.line("|000|7|0.001000", NOW);
        assertThat(r.backend()).isNull();
        assertThat(r.curlExit()).isEqualTo(7);
        assertThat(r.ok()).isFalse();
    }

    @Test
    void theBackendOfOneTransferDoesNotCarryOverToTheNext() {
        CurlOutput out = new CurlOutput(false);
        out.line("b1", NOW);
        out.line("|200|0|0.001", NOW);
        assertThat(out.line("|000|56|0.002", NOW).backend()).isNull();
    }

    @Test
    void aCutDownloadNamesTheBackendFromItsFirstLineAndEndsWithTheStatusOnTheSameLine() {
        CurlOutput out = new CurlOutput(true);
        assertThat(out.line("b3 " + "x".repeat(61), NOW)).isNull();
        assertThat(out.line("b3 " + "x".repeat(61), NOW)).isNull();
        Request r = out.line("b3 xxxx|200|56|12.5", NOW);
        assertThat(r.backend()).isEqualTo("b3");
        assertThat(r.curlExit()).isEqualTo(56);
        assertThat(r.longLived()).isTrue();
        assertThat(r.ok()).isFalse();
        assertThat(r.startNanos()).isEqualTo(NOW - 12_500_000_000L);
    }

    @Test
    void aDownloadCutInItsFirstLineStillNamesItsBackend() {
        Request r = new CurlOutput(true).line("b1 xx|200|18|0.3", NOW);
        assertThat(r.backend()).isEqualTo("b1");
    }

    @Test
    void anErrorPageNamesNoBackend() {
        CurlOutput out = new CurlOutput(false);
        out.line("<html><body>404</body></html>", NOW);
        Request r = out.line("|404|0|0.01", NOW);
        assertThat(r.backend()).isNull();
        assertThat(r.ok()).isFalse();
    }
}
