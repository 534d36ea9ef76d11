package dev.sluice.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting on a condition with a deadline, for tests: never a sleep of a guessed length. The deadline
 * is generous (a busy machine stretches every step) and only bounds a failing test; a passing test
 * waits exactly as long as the condition takes. Conditions are polled with a short park between
 * checks, so the waiting thread leaves the CPU to the threads it waits for.
 */
public final class Await {
    /** Polling interval: short against any deadline, long enough not to steal a busy CPU. */
    private static final long POLL_NANOS = 200_000;

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds; fails with {@code description} (what was awaited)
     * if it still does not hold after {@code deadline}.
     */
    public static void until(BooleanSupplier condition, Duration deadline, String description) {
        until(condition, deadline, () -> description);
    }

    /** As above, with the failure message computed when it fails (e.g. to include current counts). */
    public static void until(BooleanSupplier condition, Duration deadline, Supplier<String> description) {
        if (!holdsWithin(condition, deadline)) {
            throw new AssertionError("timed out after " + deadline.toMillis() + " ms waiting for: " + description.get());
        }
    }

    /**
     * Whether {@code condition} came to hold within {@code deadline}, for a test that then asserts
     * something more telling than "timed out".
     */
    public static boolean holdsWithin(BooleanSupplier condition, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end >= 0) {
                return condition.getAsBoolean();
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting");
            }
        }
        return true;
    }
}
