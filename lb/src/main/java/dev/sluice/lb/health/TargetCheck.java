package dev.sluice.lb.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.locks.LockSupport;

/**
 * One target's checks on its own thread: one check per interval, never two at once, and the state
 * they decide. The thread is the only writer of the state; readers see it through volatile fields.
 *
 * <p>State machine: a new target is UP and unchecked; its first result decides (a failure takes it
 * DOWN at once, a success confirms it UP); then DOWN after {@code fall} consecutive failures and UP
 * after {@code rise} consecutive successes. Each change is one log line and one listener call.
 *
 * <p>Stopping sets {@code stopped}, closes the socket of the check in flight (which ends a
 * blocked connect or read at once) and unparks the thread. The thread is never interrupted: it may
 * be inside the listener, whose code (the control plane's) must not see a stray interrupt. A
 * result that comes in after the stop is dropped, so no change is decided once
 * {@link #stop} returned; one decided before finishes.
 */
final class TargetCheck implements Runnable {
    private final HealthChecker owner;
    private final Thread thread;
    /** The target as last watched: its timing applies from the next check. */
    private volatile HealthTarget target;
    private volatile boolean stopped;
    /** The socket of the check in flight, or null; closed by {@link #stop}. */
    private volatile Socket socket;
    private volatile HealthState state = HealthState.UP;
    private volatile boolean checked;
    private volatile String lastFailure;
    /** Consecutive results of one kind; guarded by this (written by the thread only). */
    private int passes;
    private int failures;

    TargetCheck(HealthTarget target, HealthChecker owner) {
        this.target = target;
        this.owner = owner;
        this.thread = Thread.ofVirtual().name("sluice-health " + target.describe()).unstarted(this);
    }

    Thread thread() {
        return thread;
    }

    HealthState state() {
        return state;
    }

    boolean checked() {
        return checked;
    }

    String lastFailure() {
        return lastFailure;
    }

    /** New timing for the same target; a wait in progress is recomputed from the last check's start. */
    void retime(HealthTarget next) {
        target = next;
        LockSupport.unpark(thread);
    }

    void stop() {
        synchronized (this) {
            stopped = true;
        }
        closeQuietly(socket);
        LockSupport.unpark(thread);
    }

    @Override
    public void run() {
        try {
            long lastStart = System.nanoTime();
            boolean first = true;
            while (!stopped) {
                if (!first && !waitForNextCheck(lastStart)) {
                    return;
                }
                first = false;
                HealthTarget checking = target;
                lastStart = System.nanoTime();
                String failure = check(checking);
                Change change = record(failure);
                if (change == STOPPED) {
                    return;
                }
                if (change != null) {
                    owner.changed(change.target, change.state, change.reason, change.logLine);
                }
            }
        } finally {
            owner.ended(thread);
        }
    }

    /** Parks until the current interval after {@code lastStart}; false when stopped meanwhile. */
    private boolean waitForNextCheck(long lastStart) {
        while (!stopped) {
            long left = lastStart + target.check().interval().toNanos() - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            LockSupport.parkNanos(this, left);
        }
        return false;
    }

    /** Runs one check; returns null when it passed, else the reason it failed. */
    private String check(HealthTarget checking) {
        long deadline = System.nanoTime() + checking.check().timeout().toNanos();
        Socket s = new Socket();
        socket = s;
        try {
            if (stopped) {
                return "stopped";
            }
            Probe.of(checking.check()).run(s, new InetSocketAddress(checking.address(), checking.check().port()),
                    checking.check(), deadline);
            return null;
        } catch (IOException e) {
            return FailureReason.of(e, checking.check().timeout());
        } finally {
            socket = null;
            closeQuietly(s);
        }
    }

    /** A decided change, told to the log and the listener outside the lock. */
    private record Change(HealthTarget target, HealthState state, String reason, String logLine) {
    }

    private static final Change STOPPED = new Change(null, null, null, null);

    /**
     * Counts a result and decides a change: {@code null} when none, {@link #STOPPED} when the target
     * was stopped meanwhile. Under the lock that {@link #stop} takes, so no change is decided once
     * {@code stop} returned; the listener is called outside it, so a listener may take any lock.
     */
    private synchronized Change record(String failure) {
        if (stopped) {
            return STOPPED;
        }
        HealthTarget now = target;
        boolean first = !checked;
        checked = true;
        if (failure == null) {
            failures = 0;
            passes++;
            if (state == HealthState.DOWN && passes >= now.check().rise()) {
                state = HealthState.UP;
                String reason = passes + (passes == 1 ? " check passed" : " checks passed");
                return new Change(now, HealthState.UP, reason, "health: " + now.describe() + " is up (" + reason + ")");
            }
        } else {
            passes = 0;
            failures++;
            lastFailure = failure;
            if (state == HealthState.UP && (first || failures >= now.check().fall())) {
                state = HealthState.DOWN;
                return new Change(now, HealthState.DOWN, failure, "health: " + now.describe() + " is down: " + failure
                        + " (" + failures + (failures == 1 ? " check failed)" : " checks failed)"));
            }
        }
        return null;
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // Closing a check's socket cannot fail in a way that matters: it is done with.
            }
        }
    }
}
