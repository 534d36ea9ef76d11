package dev.sluice.pipeline.runtime;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.function.Supplier;

/**
 * Idle strategies by name, all Agrona's (none needs {@code --add-opens}; the pipeline tests run
 * without it). A worker whose duty cycle found no work calls its strategy's {@code idle(0)}.
 * <ul>
 *   <li>{@code spin}: {@link BusySpinIdleStrategy}, a pause instruction; lowest latency, a whole CPU</li>
 *   <li>{@code yield}: {@link YieldingIdleStrategy}, {@code Thread.yield()}</li>
 *   <li>{@code backoff}: {@link BackoffIdleStrategy} (Agrona's defaults: spin, then yield, then park
 *       1 µs growing to 1 ms); the default, kind to shared machines</li>
 *   <li>{@code sleep}: {@link SleepingMillisIdleStrategy} of 1 ms</li>
 *   <li>{@code noop}: {@link NoOpIdleStrategy}, not even a pause</li>
 * </ul>
 */
public final class IdleStrategies {
    private IdleStrategies() {
    }

    /** A supplier of fresh strategies (they are stateful: one per worker). */
    public static Supplier<IdleStrategy> byName(String name) {
        return switch (name.toLowerCase()) {
            case "spin", "busy-spin" -> BusySpinIdleStrategy::new;
            case "yield" -> YieldingIdleStrategy::new;
            case "backoff" -> BackoffIdleStrategy::new;
            case "sleep" -> () -> new SleepingMillisIdleStrategy(1);
            case "noop" -> NoOpIdleStrategy::new;
            default -> throw new IllegalArgumentException("unknown idle strategy '" + name
                    + "' (spin, yield, backoff, sleep, noop)");
        };
    }
}
