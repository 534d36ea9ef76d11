package dev.sluice.lb.health;

import dev.sluice.lb.config.HealthConfig;
import dev.sluice.lb.config.Literals;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Passes when {@code GET path HTTP/1.1} (with {@code Host} and {@code Connection: close}) is answered,
 * before the deadline, with a status line whose code is the expected one. Only the status line
 * decides; the rest of the answer is read and discarded (up to {@link #DRAIN_LIMIT} bytes, within
 * the same deadline) so that closing does not reset a server still writing its body.
 */
final class HttpProbe implements Probe {
    static final HttpProbe INSTANCE = new HttpProbe();
    /** Longest status line accepted ("HTTP/1.1 200 OK" and a reason phrase fit many times over). */
    static final int STATUS_LINE_LIMIT = 1024;
    /** How much of the answer after the status line is read before closing. */
    static final int DRAIN_LIMIT = 64 * 1024;
    /** How much of a malformed status line a failure reason quotes. */
    private static final int QUOTE_LIMIT = 40;

    private HttpProbe() {
    }

    @Override
    public void run(Socket socket, InetSocketAddress backend, HealthConfig check, long deadlineNanos) throws IOException {
        Probe.connect(socket, backend, deadlineNanos);
        socket.getOutputStream().write(request(backend, check.path()));
        InputStream in = socket.getInputStream();
        int status = statusCode(readStatusLine(socket, in, deadlineNanos));
        drain(socket, in, deadlineNanos);
        if (status != check.expect()) {
            throw new CheckFailedException("HTTP " + status + " (expected " + check.expect() + ")");
        }
    }

    static byte[] request(InetSocketAddress backend, String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host(backend) + "\r\nUser-Agent: sluice-health\r\n"
                + "Accept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The Host header's value: the address literal (IPv6 in brackets, without scope), and the port unless 80. */
    static String host(InetSocketAddress backend) {
        String literal = Literals.text(backend.getAddress());
        if (backend.getAddress() instanceof Inet6Address) {
            literal = "[" + literal + "]";
        }
        return backend.getPort() == 80 ? literal : literal + ":" + backend.getPort();
    }

    private static String readStatusLine(Socket socket, InputStream in, long deadlineNanos) throws IOException {
        byte[] line = new byte[STATUS_LINE_LIMIT];
        int length = 0;
        while (true) {
            for (int i = 0; i < length; i++) {
                if (line[i] == '\n') {
                    int end = i > 0 && line[i - 1] == '\r' ? i - 1 : i;
                    return new String(line, 0, end, StandardCharsets.ISO_8859_1);
                }
            }
            if (length == line.length) {
                throw new CheckFailedException("no HTTP status line in the first " + STATUS_LINE_LIMIT + " bytes");
            }
            socket.setSoTimeout(Probe.millisLeft(deadlineNanos));
            int n = in.read(line, length, line.length - length);
            if (n < 0) {
                throw new CheckFailedException("connection closed before a status line");
            }
            length += n;
        }
    }

    /** The code of a status line {@code HTTP/x.y NNN reason}; anything else fails the check. */
    static int statusCode(String line) throws CheckFailedException {
        if (line.startsWith("HTTP/")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.length() >= space + 4 && (line.length() == space + 4 || line.charAt(space + 4) == ' ')) {
                int code = 0;
                for (int i = space + 1; i < space + 4; i++) {
                    char c = line.charAt(i);
                    if (c < '0' || c > '9') {
                        code = -1;
                        break;
                    }
                    code = code * 10 + (c - '0');
                }
                if (code >= 100) {
                    return code;
                }
            }
        }
        throw new CheckFailedException("not an HTTP status line: " + quote(line));
    }

    private static String quote(String text) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < text.length() && i < QUOTE_LIMIT; i++) {
            char c = text.charAt(i);
            b.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        return b.append(text.length() > QUOTE_LIMIT ? "...\"" : "\"").toString();
    }

    private static void drain(Socket socket, InputStream in, long deadlineNanos) {
        byte[] sink = new byte[4096];
        try {
            for (int total = 0; total < DRAIN_LIMIT; ) {
                socket.setSoTimeout(Probe.millisLeft(deadlineNanos));
                int n = in.read(sink);
                if (n < 0) {
                    return;
                }
                total += n;
            }
        } catch (IOException e) {
            // The status line decided already; the rest of the answer does not matter.
        }
    }
}
