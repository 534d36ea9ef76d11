package dev.sluice.cli.demo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DetectionWindowsTest {
    private static final long S = 1_000_000_000L;

    private static Request failed(double from, double to) {
        return new Request((long) (from * S), (long) (to * S), null, 0, 7, false);
    }

    @Test
    void aWindowRunsFromTheStopToOneIntervalAfterTheBalancerMarkedItDown() {
        DetectionWindows w = new DetectionWindows(S);
        w.stopped("b2", "10.0.1.12", 10 * S);
        assertThat(w.awaiting("10.0.1.12")).isTrue();
        assertThat(w.markedDown("10.0.1.12", 12 * S)).isNotNull();
        assertThat(w.awaiting("10.0.1.12")).isFalse();

        assertThat(w.covers(failed(10.0, 10.1))).isTrue();
        assertThat(w.covers(failed(12.9, 13.0))).isTrue();
        assertThat(w.covers(failed(13.1, 13.2))).as("after down + one interval").isFalse();
        assertThat(w.covers(failed(9.0, 9.5))).as("before the stop").isFalse();
        // In flight when the server stopped: the stop broke it.
        assertThat(w.covers(failed(9.5, 10.2))).isTrue();
    }

    @Test
    void aStopTheBalancerNeverNoticedExcusesNothing() {
        DetectionWindows w = new DetectionWindows(S);
        w.stopped("b2", "10.0.1.12", 10 * S);
        assertThat(w.covers(failed(10.5, 10.6))).isFalse();
        assertThat(w.awaitingAny()).isTrue();
    }

    @Test
    void aDownMarksOnlyTheLatestStopOfThatBackendAndOnlyOnce() {
        DetectionWindows w = new DetectionWindows(S);
        w.stopped("b2", "10.0.1.12", 10 * S);
        w.markedDown("10.0.1.12", 12 * S);
        w.stopped("b2", "10.0.1.12", 30 * S);
        assertThat(w.markedDown("10.0.1.13", 31 * S)).as("another backend").isNull();
        assertThat(w.markedDown("10.0.1.12", 32 * S).stoppedNanos).isEqualTo(30 * S);
        assertThat(w.markedDown("10.0.1.12", 33 * S)).as("already marked").isNull();
        assertThat(w.covers(failed(20, 21))).as("between the windows").isFalse();
        assertThat(w.covers(failed(32.5, 32.6))).isTrue();
    }
}
