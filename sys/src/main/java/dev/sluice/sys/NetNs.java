package dev.sluice.sys;

/**
 * Moves the calling thread into a named network namespace (one made by {@code ip netns add}) and
 * back. Sockets, interfaces and XDP attachments created by the thread meanwhile belong to that
 * namespace for their whole life, whichever thread uses them later. Only the calling thread moves.
 *
 * <pre>{@code
 * try (NetNs.Scope ignored = NetNs.enter("sandbox")) {
 *     veth0 = AfXdpInterface.open("veth0", 0, umem, options);
 * }
 * }</pre>
 */
public final class NetNs {
    private NetNs() {
    }

    /** A thread's stay in a namespace; closing it returns the thread to where it was. */
    public static final class Scope implements AutoCloseable {
        private final int originalFd;
        private boolean closed;

        private Scope(int originalFd) {
            this.originalFd = originalFd;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                try {
                    LibC.setns(originalFd, LibC.CLONE_NEWNET, "returning to the original network namespace");
                } finally {
                    LibC.close(originalFd);
                }
            }
        }
    }

    /** A reference to a namespace (an open fd), to come back to it from any thread. */
    public static final class Handle implements AutoCloseable {
        private final int fd;
        private boolean closed;

        private Handle(int fd) {
            this.fd = fd;
        }

        /** Moves the calling thread into this namespace until the scope closes. */
        public Scope enter() {
            int original = LibC.openReadOnly("/proc/thread-self/ns/net", "saving the current network namespace");
            try {
                LibC.setns(fd, LibC.CLONE_NEWNET, "entering a saved network namespace");
            } catch (RuntimeException e) {
                LibC.close(original);
                throw e;
            }
            return new Scope(original);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                LibC.close(fd);
            }
        }
    }

    /** The calling thread's current network namespace. */
    public static Handle current() {
        return new Handle(LibC.openReadOnly("/proc/thread-self/ns/net", "saving the current network namespace"));
    }

    public static Scope enter(String name) {
        int original = LibC.openReadOnly("/proc/thread-self/ns/net", "saving the current network namespace");
        try {
            int target = LibC.openReadOnly("/var/run/netns/" + name, "opening network namespace '" + name + "' (see 'ip netns list')");
            try {
                LibC.setns(target, LibC.CLONE_NEWNET, "entering network namespace '" + name + "'");
            } finally {
                LibC.close(target);
            }
        } catch (RuntimeException e) {
            LibC.close(original);
            throw e;
        }
        return new Scope(original);
    }
}
