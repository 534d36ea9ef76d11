package dev.sluice.lb.health;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP server on a loopback address whose n-th connection (in accept order, from 0) gets the n-th
 * {@link Answer} of its script, and every later one the last. Counting accepted connections counts
 * checks, so a test asserts how many checks a transition took without looking at a clock.
 */
final class ScriptedServer implements AutoCloseable {
    /** What one connection gets, once its request head is read. */
    record Answer(int status, boolean hangs, boolean closes, CountDownLatch gate) {
        static Answer status(int status) {
            return new Answer(status, false, false, null);
        }

        /** Reads the request and never answers (until the server closes). */
        static Answer hang() {
            return new Answer(0, true, false, null);
        }

        /** Reads the request and closes without a word. */
        static Answer closeAtOnce() {
            return new Answer(0, false, true, null);
        }

        /** Answers {@code status} once {@code gate} opens. */
        static Answer heldUntil(CountDownLatch gate, int status) {
            return new Answer(status, false, false, gate);
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Answer> script;
    private volatile Answer override;

    ScriptedServer(Answer... script) throws IOException {
        this(InetAddress.getLoopbackAddress(), script);
    }

    ScriptedServer(InetAddress address, Answer... script) throws IOException {
        this.script = List.of(script);
        server = new ServerSocket(0, 50, address);
        acceptor = Thread.ofPlatform().daemon().name("scripted-server").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far: checks that reached the server. */
    int accepted() {
        return accepted.get();
    }

    /** Request heads received, in the order they completed. */
    List<String> requests() {
        return requests;
    }

    /** From now on every new connection gets {@code answer}. */
    void answerFromNowOn(Answer answer) {
        override = answer;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int index = accepted.getAndIncrement();
                Answer answer = override != null ? override : script.get(Math.min(index, script.size() - 1));
                Thread.ofVirtual().start(() -> serve(s, answer));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, Answer answer) {
        try (s) {
            s.setSoTimeout(30_000);
            String head = readHead(s.getInputStream());
            if (head == null) {
                return;
            }
            requests.add(head);
            if (answer.closes()) {
                return;
            }
            if (answer.hangs()) {
                closing.await();
                return;
            }
            if (answer.gate() != null && !answer.gate().await(60, TimeUnit.SECONDS)) {
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 " + answer.status() + " Scripted\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException | InterruptedException e) {
            // The check gave up or the server closes: nothing to answer.
        }
    }

    /** The request head, or null when the client sent none (a TCP check) or closed early. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) >= 0; ) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
        } catch (SocketException e) {
            return null;
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        closing.countDown();
        server.close();
    }
}
