package dev.sluice.systest;

import dev.sluice.sys.NetNs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens sockets in a network namespace from this JVM: a socket belongs to the namespace of the
 * thread that created it, for good, whichever thread uses it later. The creation runs on a platform
 * thread of its own that enters the namespace and ends with it, so no pooled thread (a virtual
 * thread's carrier, say) is ever left in another namespace.
 */
final class InNetns {
    @FunctionalInterface
    interface IoSupplier<T> {
        T get() throws IOException;
    }

    private InNetns() {
    }

    static <T> T open(String netns, IoSupplier<T> opener) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-" + netns).start(() -> {
            try (NetNs.Scope ignored = NetNs.enter(netns)) {
                result.set(opener.get());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted opening a socket in " + netns, e);
        }
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw io;
        }
        if (e instanceof UncheckedIOException u) {
            throw u.getCause();
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return result.get();
    }
}
