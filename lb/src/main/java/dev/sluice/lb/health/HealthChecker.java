package dev.sluice.lb.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Checks a set of {@link HealthTarget}s, each on its own virtual thread, and keeps their
 * {@link HealthState}s; each change is one line through {@code log} and one
 * {@link HealthListener#onChange} call.
 *
 * <p>A new target is UP and unchecked; its first result decides (a failure takes it DOWN at once, a
 * success confirms it UP); then it goes DOWN after {@code fall} consecutive failures and UP after
 * {@code rise} consecutive successes. Checks of one target run one per interval and never overlap
 * (the next starts an interval after the previous one started, or at once if that one ran late).
 *
 * <p>Why a virtual thread per target: a check blocks in connect or read for up to its timeout, and
 * one thread per target keeps a hanging backend from delaying any other backend's checks, with no
 * scheduling of our own. Virtual threads make that cheap for hundreds of targets (a blocked socket
 * call releases its carrier), and their carriers are the JDK's own pool, so no check ever runs on,
 * or waits for, a data-path worker. The sockets are the host stack's: a check leaves from the
 * balancer's network namespace to the backend's own address, never through the balancer.
 *
 * <p>{@link #watch} may be called at any time from any thread (a reload): targets are equal when
 * they check the same thing (see {@link HealthTarget}), so a kept target keeps its state and
 * counters and its new timing applies from its next check; a removed target stops, and no change
 * of it is decided once {@code watch} returned (a listener call decided just before may still be
 * under way: a listener should ignore a target it no longer holds). The listener is called with
 * no lock of the checker held, so it may take its own locks, and {@code watch} may be called under them. {@link #close} stops everything
 * at once (closing the sockets of checks in flight) and waits a little for the threads.
 */
public final class HealthChecker implements AutoCloseable {
    /** How long {@link #close} waits for the threads, in case a listener call waits for a lock the closing thread holds. */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final HealthListener listener;
    private final Consumer<String> log;
    private final Map<HealthTarget, TargetCheck> checks = new ConcurrentHashMap<>();
    /** Threads started and not yet ended, removed targets' included. */
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    /** Guarded by this. */
    private boolean closed;

    public HealthChecker(HealthListener listener, Consumer<String> log) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * Sets the targets: new ones start (state UP, unchecked: the first result decides, then rise/fall);
     * kept ones keep their state and counters (new timing applies from the next check); removed ones
     * stop. Equal targets given twice are watched once, with the first one's timing. Any thread;
     * does nothing once closed.
     */
    public synchronized void watch(Collection<HealthTarget> targets) {
        if (closed) {
            return;
        }
        Map<HealthTarget, HealthTarget> wanted = new LinkedHashMap<>();
        for (HealthTarget t : targets) {
            wanted.putIfAbsent(Objects.requireNonNull(t, "target"), t);
        }
        checks.entrySet().removeIf(e -> {
            if (wanted.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().stop();
            return true;
        });
        for (HealthTarget t : wanted.values()) {
            TargetCheck kept = checks.get(t);
            if (kept != null) {
                kept.retime(t);
            } else {
                TargetCheck started = new TargetCheck(t, this);
                checks.put(t, started);
                running.add(started.thread());
                started.thread().start();
            }
        }
    }

    /** The target's state; {@link HealthState#UP} for a target not watched. */
    public HealthState state(HealthTarget target) {
        TargetCheck c = checks.get(target);
        return c == null ? HealthState.UP : c.state();
    }

    /** Whether a first result came in for the target (false for a target not watched); until then it is "unchecked" and UP. */
    public boolean checked(HealthTarget target) {
        TargetCheck c = checks.get(target);
        return c != null && c.checked();
    }

    /**
     * The reason of the target's latest failed check ("connection refused", "timeout after 500 ms",
     * "HTTP 503 (expected 200)"), kept after it came back up; empty when none failed or not watched.
     */
    public Optional<String> lastFailure(HealthTarget target) {
        TargetCheck c = checks.get(target);
        return c == null ? Optional.empty() : Optional.ofNullable(c.lastFailure());
    }

    /** Stops every check at once and waits up to {@link #CLOSE_WAIT} for the threads; idempotent. */
    @Override
    public void close() {
        List<TargetCheck> stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = new ArrayList<>(checks.values());
            checks.clear();
        }
        stopping.forEach(TargetCheck::stop);
        long end = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Thread t : List.copyOf(running)) {
            long left = end - System.nanoTime();
            if (t == Thread.currentThread() || left <= 0) {
                continue;
            }
            try {
                t.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Threads still running (removed or closed targets' included until they end); for tests. */
    int runningThreads() {
        return running.size();
    }

    /** The threads counted by {@link #runningThreads}; for tests. */
    List<Thread> threads() {
        return List.copyOf(running);
    }

    void changed(HealthTarget target, HealthState state, String reason, String logLine) {
        log.accept(logLine);
        try {
            listener.onChange(target, state, reason);
        } catch (RuntimeException e) {
            log.accept("health: internal error in the listener for " + target.describe() + ": " + e);
        }
    }

    void ended(Thread thread) {
        running.remove(thread);
    }
}
