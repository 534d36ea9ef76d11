package dev.sluice.lb.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;

/** Words a failed check's exception as the short reason an operator reads in the log and the status. */
final class FailureReason {
    private FailureReason() {
    }

    static String of(IOException e, Duration timeout) {
        if (e instanceof CheckFailedException) {
            return e.getMessage();
        }
        if (e instanceof SocketTimeoutException) {
            return "timeout after " + timeout.toMillis() + " ms";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e instanceof ConnectException ? "connection failed" : e.getClass().getSimpleName();
        }
        // The JDK words the socket errors after strerror: "Connection refused", "Connection reset", "Network is unreachable".
        String reason = message.strip();
        int detail = reason.indexOf(" (");
        if (detail > 0) {
            reason = reason.substring(0, detail);
        }
        return reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }
}
