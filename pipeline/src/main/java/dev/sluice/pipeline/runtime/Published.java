package dev.sluice.pipeline.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An immutable object (a routing table, a VIP map, a Maglev ring) that the control plane replaces
 * while workers read it: the control plane builds the new object off the fast path and publishes it
 * with one release store; a handler reads it with one acquire load at the start of each burst and
 * uses that version for the whole burst. Nobody blocks, nobody copies, and a burst never sees half a
 * table. (DESIGN principle 4.)
 */
public final class Published<T> {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Published.class, "value", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through VALUE
    private Object value;

    public Published(T initial) {
        // release: a worker that receives this holder through a plain field must see the initial table built
        VALUE.setRelease(this, initial);
    }

    /** Replaces the object; workers see it from their next burst on. */
    public void publishRelease(T next) {
        // release: a worker that acquires the new reference must see every field of the object built before it
        VALUE.setRelease(this, next);
    }

    /** The current object; read once per burst. */
    @SuppressWarnings("unchecked")
    public T getAcquire() {
        return (T) VALUE.getAcquire(this);
    }
}
