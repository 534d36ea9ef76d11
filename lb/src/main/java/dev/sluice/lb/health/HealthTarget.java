package dev.sluice.lb.health;

import dev.sluice.lb.config.HealthConfig;
import dev.sluice.lb.config.Literals;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What one health check watches: a backend's address and the check run against it. Its identity is
 * what is checked (address, type, port, path, expect); the timing of {@code check} (interval,
 * timeout, rise, fall) is not part of it, so a reload that only changes the timing keeps the target,
 * its state and its counters.
 *
 * @param address the backend's own address (the check connects to it, never to a VIP)
 * @param check   the VIP's health block, validated by the configuration loader
 */
public record HealthTarget(InetAddress address, HealthConfig check) {
    public HealthTarget {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(check, "check");
    }

    /** How the log names it: {@code backend 10.0.1.12 port 80 (http /healthz)}, {@code backend 2001:db8::7 port 8080 (tcp)}. */
    public String describe() {
        String what = check.type() == HealthConfig.Type.HTTP ? "http " + check.path() : "tcp";
        return "backend " + Literals.text(address) + " port " + check.port() + " (" + what + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HealthTarget t && address.equals(t.address) && check.type() == t.check.type()
                && check.port() == t.check.port() && Objects.equals(check.path(), t.check.path())
                && check.expect() == t.check.expect();
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, check.type(), check.port(), check.path(), check.expect());
    }

    @Override
    public String toString() {
        return describe();
    }
}
