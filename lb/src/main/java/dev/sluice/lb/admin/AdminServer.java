package dev.sluice.lb.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Serves {@link AdminProtocol} on a Unix domain socket: one daemon thread accepts, each connection
 * is read, answered by the {@link AdminHandler} and closed on a daemon thread of its own (at most
 * {@link #MAX_CONNECTIONS} at once; beyond that a client is told the server is busy, and beyond as
 * many busy answers again the next client waits in the listen backlog). A client gets
 * {@link #REQUEST_TIMEOUT} to send its whole request and as long again to take the reply, so a
 * stuck one holds a thread no longer than that and never blocks the others.
 *
 * <p>The socket file is {@code rw-------} from the moment it appears at its path (bound and made so
 * in a private directory, then moved there), and {@link #close()} removes it.
 */
public final class AdminServer implements AutoCloseable {
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final int MAX_CONNECTIONS = 8;
    /** The longest path the JDK binds or connects to ({@code sun_path} holds 108 bytes; the JDK keeps two spare). */
    static final int MAX_PATH_BYTES = 106;

    private final Path path;
    private final ServerSocketChannel channel;
    private final AdminHandler handler;
    private final Consumer<String> log;
    private final long timeoutNanos;
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private final Semaphore busyAnswers = new Semaphore(MAX_CONNECTIONS);
    private final AtomicInteger sequence = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private AdminServer(Path path, ServerSocketChannel channel, AdminHandler handler, Consumer<String> log, Duration timeout) {
        this.path = path;
        this.channel = channel;
        this.handler = handler;
        this.log = log;
        this.timeoutNanos = timeout.toNanos();
        acceptor = Thread.ofPlatform().daemon().name("sluice-admin").unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code path} and starts serving. A socket file already there that nobody listens on
     * (left by a process that died) is replaced; one a server listens on is not.
     *
     * @param log where a failed request's reason goes (one line each)
     * @throws UncheckedIOException when the socket cannot be made, with the path and the reason
     */
    public static AdminServer start(Path path, AdminHandler handler, Consumer<String> log) {
        return start(path, handler, log, REQUEST_TIMEOUT);
    }

    /** As above with another timeout for a request to arrive and for its reply to be taken (tests). */
    public static AdminServer start(Path path, AdminHandler handler, Consumer<String> log, Duration timeout) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(log, "log");
        ServerSocketChannel channel = null;
        Path staging = null;
        try {
            removeIfStale(path);
            if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
                throw new IOException("the path is longer than " + MAX_PATH_BYTES + " bytes, the most a Unix domain "
                        + "socket path may be (too long)");
            }
            // Bound in a directory only this user can enter, made rw------- there, then moved into
            // place: nobody can connect in between, whatever the umask and the final directory. Its
            // name is short, so the path bound is about as long as the final one.
            staging = Files.createDirectory(path.toAbsolutePath().resolveSibling(
                    ".s" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)), OWNER_ONLY_DIRECTORY);
            Path bound = staging.resolve("s");
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(bound), MAX_CONNECTIONS * 2);
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // reporting the first failure
                }
            }
            throw new UncheckedIOException("cannot serve the admin socket " + path + ": " + reason(e), e);
        } finally {
            removeStaging(staging);
        }
        AdminServer server = new AdminServer(path, channel, handler, log, timeout);
        server.acceptor.start();
        return server;
    }

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private static void removeStaging(Path staging) {
        if (staging == null) {
            return;
        }
        try {
            Files.deleteIfExists(staging.resolve("s"));
            Files.deleteIfExists(staging);
        } catch (IOException ignored) {
            // an empty directory of this user's own, named as such: harmless
        }
    }

    private static void removeIfStale(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new IOException("another process serves it");
        } catch (ConnectException refused) {
            Files.delete(path); // nobody listens: left by a process that died
        }
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel connection;
            try {
                connection = channel.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // Out of file descriptors, most likely: the listening socket stays, try again shortly.
                log.accept("admin: accept failed: " + reason(e));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            if (!connections.tryAcquire()) {
                // Busy answers are bounded too. When they are all in flight, wait for one to end
                // rather than close this connection unanswered (its client would see a reset): the
                // kernel's listen backlog holds further clients meanwhile.
                if (!awaitBusyAnswer()) {
                    closeQuietly(connection); // the server is closing
                    return;
                }
                Thread.ofPlatform().daemon().name("sluice-admin-busy").start(() -> {
                    try {
                        answerBusy(connection);
                    } finally {
                        busyAnswers.release();
                    }
                });
                continue;
            }
            Thread.ofPlatform().daemon().name("sluice-admin-" + sequence.incrementAndGet()).start(() -> {
                try {
                    serve(connection);
                } finally {
                    connections.release();
                }
            });
        }
    }

    /** Takes a busy answer's permit, waiting for one while the server is open; false once it closes. */
    private boolean awaitBusyAnswer() {
        while (!closed) {
            try {
                if (busyAnswers.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void answerBusy(SocketChannel connection) {
        try (connection; ChannelIo io = new ChannelIo(connection)) {
            long deadline = System.nanoTime() + timeoutNanos;
            io.write(AdminProtocol.encode(AdminResponse.error("busy: " + MAX_CONNECTIONS
                    + " requests are being answered; try again")), deadline);
            io.finish(AdminProtocol.MAX_REQUEST_BYTES, deadline);
        } catch (IOException e) {
            // The client went away: nothing to tell it.
        }
    }

    private static void closeQuietly(SocketChannel connection) {
        try {
            connection.close();
        } catch (IOException ignored) {
            // nothing to tell a client we do not answer
        }
    }

    /** Reads one request, answers it, closes. */
    private void serve(SocketChannel connection) {
        try (connection; ChannelIo io = new ChannelIo(connection)) {
            AdminResponse response;
            try {
                response = answer(read(io));
            } catch (AdminProtocol.ProtocolException e) {
                response = AdminResponse.error(e.getMessage());
            }
            long deadline = System.nanoTime() + timeoutNanos;
            io.write(AdminProtocol.encode(response), deadline);
            io.finish(AdminProtocol.MAX_REQUEST_BYTES, deadline);
        } catch (IOException e) {
            // The client went away or stalled: its reply has nobody to go to.
        }
    }

    private AdminRequest read(ChannelIo io) throws IOException, AdminProtocol.ProtocolException {
        byte[] bytes;
        try {
            bytes = io.read(AdminProtocol.MAX_REQUEST_BYTES, System.nanoTime() + timeoutNanos, AdminProtocol::requestEnd);
        } catch (ChannelIo.TimeoutException e) {
            throw new AdminProtocol.ProtocolException("no whole request within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms (" + e.getMessage() + "; a request ends with an empty line)");
        }
        if (AdminProtocol.requestEnd(bytes, bytes.length) != bytes.length) {
            throw new AdminProtocol.ProtocolException(bytes.length > AdminProtocol.MAX_REQUEST_BYTES
                    ? "request larger than " + AdminProtocol.MAX_REQUEST_BYTES + " bytes"
                    : "incomplete request: the connection was closed before the empty line that ends a request");
        }
        return AdminProtocol.decodeRequest(bytes, bytes.length);
    }

    private AdminResponse answer(AdminRequest request) {
        try {
            AdminResponse response = handler.handle(request);
            if (response == null) {
                throw new IllegalStateException("the handler gave no answer");
            }
            return response;
        } catch (Exception | LinkageError | AssertionError e) {
            String line = request.command().word() + " failed: " + e;
            log.accept("admin: " + line);
            return AdminResponse.internalError("internal: " + line);
        }
    }

    /** Stops accepting, removes the socket file; a request being answered still gets its reply. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing to do about it
        }
        try {
            acceptor.join(TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.accept("admin: cannot remove " + path + ": " + reason(e));
        }
    }

    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
