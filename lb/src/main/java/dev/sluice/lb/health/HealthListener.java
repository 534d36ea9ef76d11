package dev.sluice.lb.health;

/** Told of every change of a watched target's state. */
@FunctionalInterface
public interface HealthListener {
    /**
     * Called on the target's checking thread, after the state changed (so {@link HealthChecker#state}
     * already answers {@code state}); must not block long: that target's next check waits for it.
     *
     * @param target the target as last given to {@link HealthChecker#watch} (its current timing)
     * @param state  the new state
     * @param reason for {@link HealthState#DOWN} the last failure ("connection refused"), for
     *               {@link HealthState#UP} how many checks passed ("2 checks passed")
     */
    void onChange(HealthTarget target, HealthState state, String reason);
}
