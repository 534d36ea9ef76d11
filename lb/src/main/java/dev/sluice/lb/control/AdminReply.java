package dev.sluice.lb.control;

import java.util.Objects;

/**
 * The answer of a control operation on a running balancer ({@link LoadBalancer#reload},
 * {@link LoadBalancer#drain}, ...): done or refused, and one message that says exactly what was
 * done ("applied lb.yaml: 2 VIPs, 6 backends (+vip api)") or exactly why not (a configuration
 * error with its file, line, column and key path; "no backend 10.0.1.99 in any VIP").
 *
 * @param ok      true when the operation was applied (or there was nothing to change)
 * @param message one or more lines for the operator, never null
 */
public record AdminReply(boolean ok, String message) {
    public AdminReply {
        Objects.requireNonNull(message, "message");
    }

    public static AdminReply ok(String message) {
        return new AdminReply(true, message);
    }

    public static AdminReply refused(String message) {
        return new AdminReply(false, message);
    }
}
