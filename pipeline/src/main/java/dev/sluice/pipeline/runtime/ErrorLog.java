package dev.sluice.pipeline.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Errors the workers meet (a handler that throws, an agent that fails), logged off the data path: the
 * first error of each kind (where it came from and its exception class) is queued and written by a
 * thread of its own, which sleeps until there is something to write; later ones of the same kind are
 * only counted (by the worker, in its counters). Recording a kind already seen is one lock-free hash
 * lookup and allocates nothing.
 */
final class ErrorLog implements AutoCloseable {
    /** Where an error came from. */
    enum Source {
        HANDLER("its handler threw", "the burst was dropped"),
        AGENT("failed", "the duty cycle was cut short");

        final String what;
        final String consequence;

        Source(String what, String consequence) {
            this.what = what;
            this.consequence = consequence;
        }
    }

    private record Entry(String worker, Source source, Throwable error) {
    }

    private final Consumer<String> sink;
    private final ConcurrentHashMap<Class<?>, Boolean>[] seen;
    private final ConcurrentLinkedQueue<Entry> pending = new ConcurrentLinkedQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    @SuppressWarnings("unchecked")
    ErrorLog(Consumer<String> sink) {
        this.sink = sink;
        this.seen = new ConcurrentHashMap[Source.values().length];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = new ConcurrentHashMap<>();
        }
        this.writer = new Thread(this::writeUntilClosed, "sluice-error-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Called on the thread that met the error; logs it (elsewhere) when it is the first of its kind. */
    void record(String worker, Source source, Throwable error) {
        ConcurrentHashMap<Class<?>, Boolean> kinds = seen[source.ordinal()];
        // get first: lock-free and allocation-free for a kind already seen, the common case
        if (kinds.get(error.getClass()) == null && kinds.putIfAbsent(error.getClass(), Boolean.TRUE) == null) {
            pending.offer(new Entry(worker, source, error));
            LockSupport.unpark(writer);
        }
    }

    private void writeUntilClosed() {
        while (!closed) {
            writePending();
            LockSupport.park(this);
        }
    }

    private void writePending() {
        Entry e;
        while ((e = pending.poll()) != null) {
            StringWriter trace = new StringWriter();
            e.error().printStackTrace(new PrintWriter(trace));
            sink.accept(e.worker() + " " + e.source().what + ", " + e.source().consequence
                    + " (further errors of this kind are only counted): " + trace.toString().stripTrailing());
        }
    }

    /** Stops the writer and writes what is still queued on the calling thread. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(1000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        writePending();
    }
}
