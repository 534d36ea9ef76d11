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
        /** The scope of a thread that was already in the namespace: nothing to undo. */
        private static final int STAYED = -1;

        private final int originalFd;
        private boolean closed;

        private Scope(int originalFd) {
            this.originalFd = originalFd;
        }

        @Override
        public void close() {
            if (!closed && originalFd != STAYED) {
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
        private final String identity;
        private boolean closed;

        private Handle(int fd, String identity) {
            this.fd = fd;
            this.identity = identity;
        }

        /**
         * Moves the calling thread into this namespace until the scope closes. A thread already in it
         * stays where it is: setns needs CAP_SYS_ADMIN even to enter one's own namespace, and a
         * process holding only the capabilities of {@code fwd} must be able to use its own interfaces.
         */
        public Scope enter() {
            if (identity.equals(currentIdentity())) {
                return new Scope(Scope.STAYED);
            }
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
        String identity = currentIdentity();
        return new Handle(LibC.openReadOnly("/proc/thread-self/ns/net", "saving the current network namespace"), identity);
    }

    /** The calling thread's namespace as the kernel names it ({@code net:[INODE]}): equal names, one namespace. */
    private static String currentIdentity() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self/ns/net")).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading /proc/thread-self/ns/net", e);
        }
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
