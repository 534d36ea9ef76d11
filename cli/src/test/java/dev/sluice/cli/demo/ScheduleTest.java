package dev.sluice.cli.demo;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ScheduleTest {
    private static final long S = 1_000_000_000L;

    /** "STOP@15.0" ... for every action of a run of {@code seconds}, in order. */
    private static List<String> actions(double seconds, double flapEvery, double reloadEvery) {
        LbDemo.Settings settings = new LbDemo.Settings(seconds, 30, flapEvery, reloadEvery, 0, System.out);
        long end = (long) (seconds * S);
        LbDemo.Schedule schedule = new LbDemo.Schedule(0, settings, end);
        List<String> out = new ArrayList<>();
        for (long t = 0; t <= end; t += S / 10) {
            for (LbDemo.Schedule.Action a : schedule.due(t)) {
                out.add(a + "@" + t / (S / 10) / 10.0);
            }
        }
        return out;
    }

    @Test
    void theDemoStopsTheBackendAtHalfTimeAndStartsItAtThreeQuarters() {
        assertThat(actions(30, 0, 0)).containsExactly("STOP@15.0", "START@22.5");
    }

    @Test
    void aRunTooShortToDetectAFailureStopsNothing() {
        assertThat(actions(11, 0, 0)).isEmpty();
        assertThat(new LbDemo.Schedule(0, new LbDemo.Settings(11, 30, 0, 0, 0, System.out), 11 * S).stops()).isFalse();
    }

    @Test
    void flapsStopEveryPeriodAndStartHalfAPeriodLaterButNeverTooCloseToTheEnd() {
        // 40 s would leave 2 s for the detection of the second stop: left out.
        assertThat(actions(42, 20, 0)).containsExactly("STOP@20.0", "START@30.0");
        assertThat(actions(60, 20, 25)).containsExactly("STOP@20.0", "RELOAD@25.0", "START@30.0", "STOP@40.0", "START@50.0", "RELOAD@50.0");
    }
}
