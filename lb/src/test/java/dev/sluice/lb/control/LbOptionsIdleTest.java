package dev.sluice.lb.control;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link LbOptions#idle}: the workers' idle strategy, checked when the options are made. */
class LbOptionsIdleTest {
    @Test
    void workersBackOffByDefaultAndTakeAnyKnownStrategy() {
        assertThat(LbOptions.defaults().idle()).isEqualTo(LbOptions.DEFAULT_IDLE).isEqualTo("backoff");
        for (String s : new String[] {"spin", "yield", "backoff", "sleep"}) {
            assertThat(LbOptions.defaults().withIdle(s).idle()).isEqualTo(s);
        }
        // the other options survive the change, and the strategy survives theirs
        LbOptions o = LbOptions.defaults().withIdle("yield").withBurst(32).withRings(8192, 4096, 1024);
        assertThat(o.idle()).isEqualTo("yield");
        assertThat(o.burst()).isEqualTo(32);
    }

    @Test
    void anUnknownStrategyIsRefusedWithTheNamesItKnows() {
        assertThatThrownBy(() -> LbOptions.defaults().withIdle("nap"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nap").hasMessageContaining("backoff");
        assertThatThrownBy(() -> LbOptions.defaults().withIdle(null)).isInstanceOf(NullPointerException.class);
    }
}
