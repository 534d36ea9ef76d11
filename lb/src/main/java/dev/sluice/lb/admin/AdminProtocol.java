package dev.sluice.lb.admin;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The admin socket's protocol: one request per connection, UTF-8 text lines ending in {@code \n}.
 *
 * <pre>
 *   client                                         server
 *     | connect(&lt;run dir&gt;/&lt;pid&gt;-&lt;name&gt;.sock)            |
 *     |---- COMMAND\n ------------------------------&gt;|  status | reload | drain | undrain
 *     |---- ARGUMENT\n -----------------------------&gt;|  0..n lines, as the command takes
 *     |---- \n -------------------------------------&gt;|  an empty line ends the request
 *     |                                              |  (at most MAX_REQUEST_BYTES, within the
 *     |                                              |   server's request timeout)
 *     |&lt;--- ok\n | error\n | error internal\n ------|  the status line
 *     |&lt;--- TEXT\n ... -----------------------------|  0..n lines for a person
 *     |&lt;--- end of stream ---------------------------|  the server closes: the reply is complete
 * </pre>
 *
 * {@code ok}: done, the text says what (e.g. {@code applied ...}, the status table). {@code error}:
 * refused, the text says exactly why (an invalid configuration as
 * {@code FILE:LINE:COLUMN: KEY: what is wrong}, an unknown backend, a malformed request: the
 * requester can fix it). {@code error internal}: the balancer failed to answer (its log says more).
 * The reply has no length prefix: the server's close ends it, so a reply is whole exactly when the
 * status line and the end of the stream both arrived.
 */
public final class AdminProtocol {
    /** A request larger than this (a file path is at most 4096 bytes) is refused unread. */
    public static final int MAX_REQUEST_BYTES = 8192;
    /** A reply larger than this is not read to its end by the client (a status of thousands of backends fits). */
    public static final int MAX_REPLY_BYTES = 16 << 20;

    private AdminProtocol() {
    }

    /** A request or reply that does not follow the protocol; the message says how. */
    public static final class ProtocolException extends Exception {
        public ProtocolException(String message) {
            super(message);
        }
    }

    public static byte[] encode(AdminRequest request) {
        StringBuilder sb = new StringBuilder(request.command().word()).append('\n');
        for (String a : request.arguments()) {
            sb.append(a).append('\n');
        }
        return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The length of the request in {@code bytes[0, length)} up to and including its ending empty
     * line, or -1 when that has not arrived yet.
     */
    static int requestEnd(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] == '\n')) {
                return i + 1;
            }
        }
        return -1;
    }

    /** The request in {@code bytes[0, length)}, which ends with its empty line ({@link #requestEnd}). */
    public static AdminRequest decodeRequest(byte[] bytes, int length) throws ProtocolException {
        String text = utf8(bytes, length, "request");
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        // "a\nb\n\n" splits into a, b, "", "": the empty line and what follows its line break.
        lines.removeLast();
        lines.removeLast();
        lines.replaceAll(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        if (lines.isEmpty() || lines.getFirst().isBlank()) {
            throw new ProtocolException("empty request: expected a command (" + commands() + ")");
        }
        String word = lines.getFirst().strip();
        AdminCommand command = AdminCommand.of(word).orElseThrow(() -> new ProtocolException(
                "unknown command '" + word + "': expected " + commands()));
        try {
            return new AdminRequest(command, lines.subList(1, lines.size()));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(e.getMessage());
        }
    }

    public static byte[] encode(AdminResponse response) {
        String text = response.text();
        return (response.status().line() + "\n" + (text.isEmpty() ? "" : text + "\n")).getBytes(StandardCharsets.UTF_8);
    }

    /** The reply in {@code bytes[0, length)}: everything the server sent before it closed. */
    public static AdminResponse decodeResponse(byte[] bytes, int length) throws ProtocolException {
        String text = utf8(bytes, length, "reply");
        int eol = text.indexOf('\n');
        if (eol < 0) {
            throw new ProtocolException(length == 0 ? "empty reply: the balancer closed the connection without answering"
                    : "the reply has no status line");
        }
        String first = text.substring(0, eol);
        for (AdminResponse.Status s : AdminResponse.Status.values()) {
            if (s.line().equals(first)) {
                return new AdminResponse(s, text.substring(eol + 1));
            }
        }
        throw new ProtocolException("unknown status line '" + first + "' (expected ok, error or error internal)");
    }

    private static String utf8(byte[] bytes, int length, String what) throws ProtocolException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, length)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("the " + what + " is not UTF-8 text");
        }
    }

    private static String commands() {
        StringBuilder sb = new StringBuilder();
        for (AdminCommand c : AdminCommand.values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(c.word());
        }
        return sb.toString();
    }
}
