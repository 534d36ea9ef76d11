package dev.sluice.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.function.Consumer;

/**
 * SIGHUP reloads: what {@code systemctl reload} and {@code kill -HUP} send a daemon. The JVM's own
 * SIGHUP handler starts its shutdown; this one replaces it while the balancer runs and puts it back
 * at {@link #close()}. {@code sun.misc.Signal} (module jdk.unsupported, readable from the class
 * path) is the JDK's only way to handle a signal without native code.
 *
 * <p>The reload runs on the thread the JVM starts for the signal, never on a worker. The balancer
 * logs every reload's outcome itself ({@code reload: applied ...} or {@code reload refused: WHY});
 * this adds the line saying SIGHUP asked for it, and one for a reload that failed with an exception.
 */
final class HangupReload implements AutoCloseable {
    private static final Signal HUP = new Signal("HUP");

    private final SignalHandler previous;

    private HangupReload(SignalHandler previous) {
        this.previous = previous;
    }

    /**
     * Handles SIGHUP with {@code reload} until closed; a JVM that lets no one handle signals
     * ({@code -Xrs}) is said so in the log.
     */
    static HangupReload install(Runnable reload, Consumer<String> log) {
        try {
            return new HangupReload(Signal.handle(HUP, signal -> {
                log.accept("SIGHUP: reloading the configuration file");
                try {
                    reload.run();
                } catch (RuntimeException e) {
                    log.accept("reload failed: internal error: " + e);
                }
            }));
        } catch (IllegalArgumentException e) {
            log.accept("SIGHUP will not reload: " + e.getMessage());
            return new HangupReload(null);
        }
    }

    @Override
    public void close() {
        if (previous != null) {
            Signal.handle(HUP, previous);
        }
    }
}
