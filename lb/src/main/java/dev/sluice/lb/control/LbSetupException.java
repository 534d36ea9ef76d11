package dev.sluice.lb.control;

/**
 * The balancer cannot start with this configuration on this host, for a reason the operator can
 * fix (and the message says which): more workers than it runs, an encapsulating VIP without an
 * outer source address of its backends' family, ... A command line prints it as one line.
 */
public final class LbSetupException extends RuntimeException {
    public LbSetupException(String message) {
        super(message);
    }

    public LbSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
