package dev.sluice.systest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP echo server in a backend's namespace, in this JVM: on every connection it first sends its
 * name and a newline (so a client knows which backend it reached), then returns every byte it
 * receives, and closes its side after the client closed its own (a FIN for a FIN). It listens on
 * all addresses, IPv4 and IPv6, so also on the VIPs its host holds on {@code lo} (DSR). An error
 * on a connection (a reset) is recorded, never swallowed: {@link #failures()}.
 */
final class EchoServer implements AutoCloseable {
    private final String name;
    private final ServerSocketChannel listener;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closing;

    private EchoServer(String name, ServerSocketChannel listener) {
        this.name = name;
        this.listener = listener;
        acceptor = Thread.ofPlatform().daemon().name("echo-" + name).start(this::accept);
    }

    /** Listens on port {@code port} of every address in {@code netns}; {@code name} is what it greets with. */
    static EchoServer start(String netns, String name, int port) throws IOException {
        ServerSocketChannel l = InNetns.open(netns, () -> {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET6);
            try {
                s.bind(new InetSocketAddress("::", port), 64);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return s;
        });
        return new EchoServer(name, l);
    }

    private void accept() {
        while (!closing) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                if (!closing) {
                    failures.add(name + " accept: " + e);
                }
                return;
            }
            accepted.incrementAndGet();
            open.add(c);
            Thread.ofVirtual().name("echo-" + name + "-conn").start(() -> echo(c));
        }
    }

    private void echo(SocketChannel c) {
        try (c) {
            write(c, ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (c.read(buf) >= 0) {
                buf.flip();
                write(c, buf);
                buf.clear();
            }
            c.shutdownOutput();
        } catch (ClosedChannelException e) {
            // close() ended it
        } catch (IOException e) {
            if (!closing) {
                failures.add(name + " connection from " + remote(c) + ": " + e);
            }
        } finally {
            open.remove(c);
        }
    }

    private static void write(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static String remote(SocketChannel c) {
        try {
            return String.valueOf(c.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    String name() {
        return name;
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections open now. */
    int open() {
        return open.size();
    }

    /** Errors on connections (resets, ...), with the peer; empty when every connection ended cleanly. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws IOException {
        closing = true;
        listener.close();
        for (SocketChannel c : open) {
            c.close();
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
