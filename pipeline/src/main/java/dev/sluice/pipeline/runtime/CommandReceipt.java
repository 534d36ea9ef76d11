package dev.sluice.pipeline.runtime;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Tracks a command sent to one or more workers: done when every one of them has run it. The sender
 * never blocks unless it asks to ({@link #await}); workers only decrement a counter.
 */
public final class CommandReceipt {
    private final AtomicInteger remaining;

    CommandReceipt(int workers) {
        this.remaining = new AtomicInteger(workers);
    }

    void applied() {
        remaining.decrementAndGet();
    }

    public boolean isDone() {
        return remaining.get() <= 0;
    }

    /** Workers that have not run the command yet. */
    public int remaining() {
        return Math.max(0, remaining.get());
    }

    /** Waits (on the calling control thread) up to {@code timeout}; true when every worker ran it. */
    public boolean await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isDone()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        return true;
    }
}
