package dev.sluice.lb.health;

import dev.sluice.lb.config.HealthConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * One kind of check, run once on an unconnected socket that the caller owns (and closes, also from
 * another thread to stop a check that is blocked). A probe that returns passed; a failure is an
 * {@link IOException}, whose reason {@link FailureReason} words. Every step is bounded by one
 * deadline, so the whole exchange ends within the check's timeout.
 */
sealed interface Probe permits TcpProbe, HttpProbe {
    void run(Socket socket, InetSocketAddress backend, HealthConfig check, long deadlineNanos) throws IOException;

    static Probe of(HealthConfig check) {
        return check.type() == HealthConfig.Type.HTTP ? HttpProbe.INSTANCE : TcpProbe.INSTANCE;
    }

    /** Milliseconds left before the deadline, at least 1 (0 means "no limit" to sockets); throws once it passed. */
    static int millisLeft(long deadlineNanos) throws SocketTimeoutException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
    }

    /** Connects within the time left; both probes start so. */
    static void connect(Socket socket, InetSocketAddress backend, long deadlineNanos) throws IOException {
        socket.connect(backend, millisLeft(deadlineNanos));
    }
}
