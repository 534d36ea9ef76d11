package dev.sluice.drivers;

/**
 * A port could not be set up because of something the user can fix (unknown interface, queue out
 * of range, too little locked memory, a program already attached). The message says what happened
 * and what to do; command-line tools print it without a stack trace.
 */
public final class PortSetupException extends RuntimeException {
    public PortSetupException(String message) {
        super(message);
    }

    public PortSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
