package dev.sluice.lb.config;

import java.time.Duration;

/**
 * The connection table of each worker.
 *
 * @param capacity flows per worker (default {@link #DEFAULT_CAPACITY}; the loader allows 1024..2^26)
 * @param tcpIdle  a TCP flow not seen for this long is forgotten (default 300 s)
 * @param udpIdle  a UDP flow not seen for this long is forgotten (default 30 s)
 */
public record ConnectionsConfig(int capacity, Duration tcpIdle, Duration udpIdle) {
    public static final int DEFAULT_CAPACITY = 1 << 20;
    /** Shortest and longest idle timeout a file may set. */
    public static final Duration MIN_IDLE = Duration.ofSeconds(1);
    public static final Duration MAX_IDLE = Duration.ofHours(24);

    public static ConnectionsConfig defaults() {
        return new ConnectionsConfig(DEFAULT_CAPACITY, Duration.ofSeconds(300), Duration.ofSeconds(30));
    }
}
