package dev.sluice.lb.admin;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The requesting end of {@link AdminProtocol}: connect, send one request, read the whole reply. */
public final class AdminClient {
    /** How long a reply may take by default: a reload builds tables and may resolve MACs first. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private AdminClient() {
    }

    /** The server could not be asked, or did not answer; the message says which, for a person. */
    public static final class UnreachableException extends Exception {
        private final boolean stale;

        UnreachableException(String message, boolean stale, Throwable cause) {
            super(message, cause);
            this.stale = stale;
        }

        /** Whether the socket file is there but nobody listens: left by a process that died. */
        public boolean stale() {
            return stale;
        }
    }

    public static AdminResponse send(Path socket, AdminRequest request) throws UnreachableException {
        return send(socket, request, DEFAULT_TIMEOUT);
    }

    /** Sends {@code request} and returns the reply, waiting at most {@code timeout} in all. */
    public static AdminResponse send(Path socket, AdminRequest request, Duration timeout) throws UnreachableException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            if (!Files.exists(socket)) {
                throw noSocket(socket, e);
            }
            throw new UnreachableException(socket + ": connection refused: nobody listens (a stale socket left by a "
                    + "process that is gone)", true, e);
        } catch (IOException e) {
            if (!Files.exists(socket)) {
                throw noSocket(socket, e);
            }
            throw new UnreachableException(socket + ": cannot connect: " + AdminServer.reason(e)
                    + (String.valueOf(e.getMessage()).contains("Permission denied")
                            ? " (the socket is its owner's only: run as the user that runs the balancer)" : ""), false, e);
        }
        try (channel; ChannelIo io = new ChannelIo(channel)) {
            io.write(AdminProtocol.encode(request), deadline);
            byte[] reply = io.read(AdminProtocol.MAX_REPLY_BYTES, deadline, ChannelIo.MessageEnd.END_OF_STREAM);
            if (reply.length > AdminProtocol.MAX_REPLY_BYTES) {
                throw new UnreachableException(socket + ": the reply is larger than " + AdminProtocol.MAX_REPLY_BYTES
                        + " bytes", false, null);
            }
            return AdminProtocol.decodeResponse(reply, reply.length);
        } catch (ChannelIo.TimeoutException e) {
            throw new UnreachableException(socket + ": no reply within " + TimeUnit.NANOSECONDS.toMillis(timeout.toNanos())
                    + " ms", false, e);
        } catch (IOException e) {
            throw new UnreachableException(socket + ": the connection failed: " + AdminServer.reason(e), false, e);
        } catch (AdminProtocol.ProtocolException e) {
            throw new UnreachableException(socket + ": " + e.getMessage(), false, e);
        }
    }

    private static UnreachableException noSocket(Path socket, IOException e) {
        return new UnreachableException(socket + ": no such socket (the instance has exited, or does not serve one)",
                false, e);
    }
}
