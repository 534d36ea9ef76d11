package dev.sluice.lb.health;

import java.io.IOException;

/**
 * A check that reached the backend and got a wrong answer; its message is the reason as the log
 * shows it ("HTTP 503 (expected 200)"). No stack trace: it is an expected outcome, not a fault.
 */
final class CheckFailedException extends IOException {
    CheckFailedException(String reason) {
        super(reason, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
