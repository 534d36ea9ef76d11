package dev.sluice.lb.admin;

import java.util.Objects;

/**
 * What the server answers: a status and text for a person. {@link Status#ERROR} is a refusal the
 * requester can act on (an invalid configuration, an unknown backend, a malformed request);
 * {@link Status#INTERNAL_ERROR} is the balancer's own failure, also logged where it runs.
 *
 * @param text the answer without a final line break ("" when there is nothing to say)
 */
public record AdminResponse(Status status, String text) {
    /** The reply's first line on the wire. */
    public enum Status {
        OK("ok"), ERROR("error"), INTERNAL_ERROR("error internal");

        private final String line;

        Status(String line) {
            this.line = line;
        }

        public String line() {
            return line;
        }
    }

    public AdminResponse {
        Objects.requireNonNull(status, "status");
        text = text == null ? "" : text.stripTrailing();
    }

    public static AdminResponse ok(String text) {
        return new AdminResponse(Status.OK, text);
    }

    public static AdminResponse error(String text) {
        return new AdminResponse(Status.ERROR, text);
    }

    public static AdminResponse internalError(String text) {
        return new AdminResponse(Status.INTERNAL_ERROR, text);
    }

    public boolean ok() {
        return status == Status.OK;
    }
}
