package dev.sluice.lb.config;

import java.time.Duration;

/**
 * A VIP's health check (issue 12 acts on it; part 1 only reads and validates it).
 *
 * @param type     tcp (a connection opens) or http (a GET returns {@code expect}); default tcp
 * @param port     port checked on each backend; default the VIP's port (required when that is 0)
 * @param path     HTTP path (http only, default {@link #DEFAULT_PATH}); null for tcp
 * @param expect   expected HTTP status (http only, default {@link #DEFAULT_EXPECT}); 0 for tcp
 * @param interval time between checks, {@link #MIN_INTERVAL}..{@link #MAX_INTERVAL}, default 2 s
 * @param timeout  one check's limit, at most the interval; default 1 s (or the interval if shorter)
 * @param rise     successes before a backend is up, 1..{@link #MAX_COUNT}, default 2
 * @param fall     failures before a backend is down, 1..{@link #MAX_COUNT}, default 3
 */
public record HealthConfig(Type type, int port, String path, int expect, Duration interval, Duration timeout,
                           int rise, int fall) {
    public enum Type { TCP, HTTP }

    public static final String DEFAULT_PATH = "/";
    public static final int DEFAULT_EXPECT = 200;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    /** The default timeout, or the interval when that is shorter. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;
    /** Largest rise or fall. */
    public static final int MAX_COUNT = 100;
}
