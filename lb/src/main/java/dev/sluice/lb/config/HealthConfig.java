package dev.sluice.lb.config;

import java.time.Duration;

/**
 * A VIP's health check (issue 12 acts on it; part 1 only reads and validates it).
 *
 * @param type     tcp or http
 * @param port     port checked on each backend
 * @param path     HTTP path (http only)
 * @param expect   expected HTTP status (http only)
 * @param interval time between checks
 * @param timeout  one check's limit
 * @param rise     successes before a backend is up
 * @param fall     failures before a backend is down
 */
public record HealthConfig(Type type, int port, String path, int expect, Duration interval, Duration timeout,
                           int rise, int fall) {
    public enum Type { TCP, HTTP }
}
