package dev.sluice.systest;

import dev.sluice.testing.Await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A long-lived TCP connection from a client namespace to an {@link EchoServer} (through a VIP):
 * it learns which backend answered (the greeting), then sends a byte pattern unique to the stream
 * and position, in chunks, and checks that every chunk comes back whole and unchanged before it
 * sends the next. {@link #finish} closes its side and expects the server's FIN right after the
 * last echoed byte: a stream that finishes cleanly delivered every byte both ways, in order, with
 * no reset.
 *
 * <p>Chunks go out at a steady pace ({@link #PACE_NANOS} apart) so that a handful of streams keep
 * a busy two-core machine's balancer and backends moving without taking it over.
 */
final class EchoStream implements AutoCloseable {
    static final int CHUNK = 8 * 1024;
    /** Time between chunks: pacing the load, not waiting for anything. */
    static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final SocketChannel channel;
    private final int id;
    private final String backend;
    private final Thread worker;
    private volatile boolean stopping;
    private volatile long verified;
    private volatile Throwable failure;
    private volatile boolean endedCleanly;

    private EchoStream(SocketChannel channel, int id, String backend) {
        this.channel = channel;
        this.id = id;
        this.backend = backend;
        worker = Thread.ofPlatform().daemon().name("echo-stream-" + id).start(this::run);
    }

    /** Connects from {@code netns} to {@code host:port}, reads the greeting and starts transferring. */
    static EchoStream open(String netns, String host, int port, int id) throws IOException {
        SocketChannel c = InNetns.open(netns, SocketChannel::open);
        try {
            c.connect(new InetSocketAddress(host, port));
            return new EchoStream(c, id, readGreeting(c));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw new IOException("stream " + id + " to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Connects, reads the greeting (which backend) and closes cleanly: one short connection. */
    static String probe(String netns, String host, int port) throws IOException {
        try (SocketChannel c = InNetns.open(netns, SocketChannel::open)) {
            c.connect(new InetSocketAddress(host, port));
            String name = readGreeting(c);
            c.shutdownOutput();
            ByteBuffer rest = ByteBuffer.allocate(16);
            if (c.read(rest) != -1) {
                throw new IOException("probe to " + host + ":" + port + " (" + name + "): data after the greeting");
            }
            return name;
        }
    }

    /** {@code n} short connections ({@link #probe}); how many each backend answered. Fails on any failed connection. */
    static Map<String, Integer> probes(String netns, String host, int port, int n) throws IOException {
        Map<String, Integer> answered = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            answered.merge(probe(netns, host, port), 1, Integer::sum);
        }
        return answered;
    }

    /**
     * Waits until every stream has verified at least {@code bytes} more than now: each keeps
     * transferring. Fails at once when one fails, with {@code context} (the balancer's output, say).
     */
    static void awaitProgress(Collection<EchoStream> streams, long bytes, Supplier<String> context) {
        Map<EchoStream, Long> from = new HashMap<>();
        streams.forEach(s -> from.put(s, s.verified()));
        Await.until(() -> streams.stream().allMatch(s -> s.failure() != null || s.verified() >= from.get(s) + bytes),
                Duration.ofSeconds(60), () -> "every stream transferring " + bytes + " more bytes: " + streams + "\n" + context.get());
        for (EchoStream s : streams) {
            if (s.failure() != null) {
                throw new AssertionError(s + " failed: " + s.failure() + "\n" + context.get(), s.failure());
            }
        }
    }

    private static String readGreeting(SocketChannel c) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder sb = new StringBuilder();
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("closed before the greeting ended: '" + sb + "'");
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                return sb.toString();
            }
            sb.append(ch);
            if (sb.length() > 64) {
                throw new IOException("no greeting: '" + sb + "'");
            }
        }
    }

    private void run() {
        ByteBuffer out = ByteBuffer.allocate(CHUNK);
        ByteBuffer in = ByteBuffer.allocate(CHUNK);
        long position = 0;
        try {
            while (!stopping) {
                out.clear();
                for (int i = 0; i < CHUNK; i++) {
                    out.put(i, pattern(id, position + i));
                }
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (channel.read(in) < 0) {
                        throw new IOException("closed by the server after " + (position + in.position()) + " of "
                                + (position + CHUNK) + " bytes echoed");
                    }
                }
                if (!Arrays.equals(in.array(), out.array())) {
                    throw new IOException("echo differs from what was sent in the chunk at byte " + position);
                }
                position += CHUNK;
                verified = position;
                LockSupport.parkNanos(PACE_NANOS);
            }
            channel.shutdownOutput();
            in.clear();
            int n = channel.read(in);
            if (n != -1) {
                throw new IOException("expected the server's FIN after " + position + " bytes, read " + n + " more");
            }
            endedCleanly = true;
        } catch (Throwable e) {
            failure = e;
        } finally {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing after the end or a failure
            }
        }
    }

    /** Byte {@code position} of stream {@code id}: differs between neighbouring streams and positions. */
    private static byte pattern(int id, long position) {
        long x = position * 0x9E3779B97F4A7C15L + id * 0xC2B2AE3D27D4EB4FL;
        return (byte) (x >>> 56);
    }

    /** The backend that greeted it. */
    String backend() {
        return backend;
    }

    int id() {
        return id;
    }

    /** Bytes sent and echoed back unchanged so far. */
    long verified() {
        return verified;
    }

    /** Why it broke (a reset, a closed connection, corrupted data), or null while it is fine. */
    Throwable failure() {
        return failure;
    }

    /**
     * Stops sending, closes its side and waits (at most {@code deadline}) for the server's FIN. Fails
     * with what went wrong unless every byte came back and the connection ended cleanly.
     */
    void finish(Duration deadline) {
        stopping = true;
        try {
            worker.join(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            throw new AssertionError(this + " did not end within " + deadline.toMillis() + " ms of closing its side");
        }
        if (failure != null) {
            throw new AssertionError(this + " failed: " + failure, failure);
        }
        if (!endedCleanly) {
            throw new AssertionError(this + " did not end cleanly");
        }
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        channel.close();
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "stream " + id + " (backend " + backend + ", " + verified + " bytes verified)";
    }
}
