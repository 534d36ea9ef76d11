package dev.sluice.cli;

import dev.sluice.lb.admin.AdminResponse;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * SIGHUP reloads: what {@code systemctl reload} and {@code kill -HUP} send a daemon. The JVM's own
 * SIGHUP handler starts its shutdown; this one replaces it while the balancer runs and puts it back
 * at {@link #close()}. {@code sun.misc.Signal} (module jdk.unsupported, exported to every class
 * path) is the JDK's only way to handle a signal without native code.
 *
 * <p>The reload runs on the thread the JVM starts for the signal, never on a worker; its outcome
 * is one log line: {@code reload: applied ...}, {@code reload refused: WHY} or
 * {@code reload failed: WHY}.
 */
final class HangupReload implements AutoCloseable {
    private static final Signal HUP = new Signal("HUP");

    private final SignalHandler previous;

    private HangupReload(SignalHandler previous) {
        this.previous = previous;
    }

    /** Handles SIGHUP with {@code reload} until closed; a JVM that lets no one handle it (-Xrs) is said so in the log. */
    static HangupReload install(Supplier<AdminResponse> reload, Consumer<String> log) {
        try {
            return new HangupReload(Signal.handle(HUP, signal -> log.accept(outcome(reload))));
        } catch (IllegalArgumentException e) {
            log.accept("SIGHUP will not reload: " + e.getMessage());
            return new HangupReload(null);
        }
    }

    static String outcome(Supplier<AdminResponse> reload) {
        AdminResponse r;
        try {
            r = reload.get();
        } catch (RuntimeException e) {
            return "reload failed: internal: " + e;
        }
        return switch (r.status()) {
            case OK -> "reload: " + r.text();
            case ERROR -> "reload refused: " + r.text();
            case INTERNAL_ERROR -> "reload failed: " + r.text();
        };
    }

    @Override
    public void close() {
        if (previous != null) {
            Signal.handle(HUP, previous);
        }
    }
}
