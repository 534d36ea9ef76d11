package dev.sluice.lb.health;

import java.util.Collection;
import java.util.Optional;
import java.util.function.Consumer;

/** Runs the health checks of a set of targets (contract only; implementation follows). */
public final class HealthChecker implements AutoCloseable {
    private final HealthListener listener;
    private final Consumer<String> log;

    public HealthChecker(HealthListener listener, Consumer<String> log) {
        this.listener = listener;
        this.log = log;
    }

    /**
     * Sets the targets: new ones start (state UP, unchecked: the first result decides, then rise/fall);
     * kept ones keep their state and counters (new timing applies from the next check); removed ones stop.
     * Any thread.
     */
    public void watch(Collection<HealthTarget> targets) {
    }

    /** The target's state; {@link HealthState#UP} for a target not watched. */
    public HealthState state(HealthTarget target) {
        return HealthState.UP;
    }

    /** Whether a first result has come in for the target (false for a target not watched): "unchecked" when not. */
    public boolean checked(HealthTarget target) {
        return false;
    }

    /** The last failure's reason ("connection refused", "timeout after 500 ms", "HTTP 503 (expected 200)"). */
    public Optional<String> lastFailure(HealthTarget target) {
        return Optional.empty();
    }

    @Override
    public void close() {
    }
}
