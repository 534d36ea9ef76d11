package dev.sluice.lb.admin;

import dev.sluice.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin socket end to end over a real Unix domain socket, with a handler standing in for the balancer. */
class AdminServerTest {
    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<AdminServer> servers = new ArrayList<>();

    /** Answers "COMMAND ARG..." so a test sees exactly what arrived. */
    private static final AdminHandler ECHO = r -> AdminResponse.ok(r.command().word() + " " + String.join(" ", r.arguments()));

    @AfterEach
    void closeServers() {
        servers.forEach(AdminServer::close);
    }

    private AdminServer start(AdminHandler handler) {
        return start(handler, AdminServer.REQUEST_TIMEOUT);
    }

    private AdminServer start(AdminHandler handler, Duration timeout) {
        AdminServer s = AdminServer.start(dir.resolve("1-lb-test.sock"), handler, log::add, timeout);
        servers.add(s);
        return s;
    }

    @Test
    void eachCommandArrivesWithItsArgumentsAndTheReplyComesBack() throws Exception {
        AdminServer s = start(ECHO);
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("status"));
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.RELOAD))).isEqualTo(AdminResponse.ok("reload"));
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.RELOAD, "/etc/sluice/lb é.yaml")))
                .isEqualTo(AdminResponse.ok("reload /etc/sluice/lb é.yaml"));
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.DRAIN, "10.0.1.11")))
                .isEqualTo(AdminResponse.ok("drain 10.0.1.11"));
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.UNDRAIN, "fd00::11")))
                .isEqualTo(AdminResponse.ok("undrain fd00::11"));
        assertThat(log).isEmpty();
    }

    @Test
    void aRefusalAndAMultiLineAnswerKeepTheirText() throws Exception {
        AdminServer s = start(r -> r.command() == AdminCommand.STATUS
                ? AdminResponse.ok("VIP web\n  backend a\n\n  backend b\n")
                : AdminResponse.error("/x.yaml:3:7: vips[0].port: not a number"));
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS)).text())
                .isEqualTo("VIP web\n  backend a\n\n  backend b");
        AdminResponse refused = AdminClient.send(s.path(), AdminRequest.of(AdminCommand.RELOAD, "/x.yaml"));
        assertThat(refused.status()).isEqualTo(AdminResponse.Status.ERROR);
        assertThat(refused.text()).isEqualTo("/x.yaml:3:7: vips[0].port: not a number");
    }

    @Test
    void aHandlerThatThrowsGivesAnInternalErrorAndALogLineAndTheServerGoesOn() throws Exception {
        AdminServer s = start(r -> {
            if (r.command() == AdminCommand.DRAIN) {
                throw new IllegalStateException("tables half built");
            }
            if (r.command() == AdminCommand.UNDRAIN) {
                return null;
            }
            return AdminResponse.ok("fine");
        });
        AdminResponse r = AdminClient.send(s.path(), AdminRequest.of(AdminCommand.DRAIN, "10.0.1.11"));
        assertThat(r.status()).isEqualTo(AdminResponse.Status.INTERNAL_ERROR);
        assertThat(r.text()).isEqualTo("internal: drain failed: java.lang.IllegalStateException: tables half built");
        assertThat(log).containsExactly("admin: drain failed: java.lang.IllegalStateException: tables half built");
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.UNDRAIN, "10.0.1.11")).status())
                .isEqualTo(AdminResponse.Status.INTERNAL_ERROR);
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("fine"));
    }

    @Test
    void malformedRequestsAreRefusedWithTheReason() throws Exception {
        AdminServer s = start(ECHO);
        assertThat(raw(s, "restart\n\n")).isEqualTo("error\nunknown command 'restart': expected status, reload, drain, undrain\n");
        assertThat(raw(s, "\n")).isEqualTo("error\nempty request: expected a command (status, reload, drain, undrain)\n");
        assertThat(raw(s, "drain\n\n")).isEqualTo("error\n'drain BACKEND' takes one argument, not 0\n");
        assertThat(raw(s, "status\nextra\n\n")).isEqualTo("error\n'status' takes 0 arguments, not 1\n");
        assertThat(raw(s, "reload\na\nb\n\n")).isEqualTo("error\n'reload [FILE]' takes 0 to 1 arguments, not 2\n");
        assertThat(raw(s, "drain\r\n10.0.1.11\r\n\n")).isEqualTo("ok\ndrain 10.0.1.11\n");
        assertThat(rawBytes(s, new byte[]{'d', (byte) 0xff, '\n', '\n'}, true)).isEqualTo("error\nthe request is not UTF-8 text\n");
        assertThat(rawBytes(s, "status\n".getBytes(StandardCharsets.UTF_8), true))
                .isEqualTo("error\nincomplete request: the connection was closed before the empty line that ends a request\n");
        assertThat(log).isEmpty();
    }

    @Test
    void aRequestOverTheLimitIsRefusedUnread() throws Exception {
        AdminServer s = start(ECHO);
        byte[] big = ("reload\n/" + "a".repeat(AdminProtocol.MAX_REQUEST_BYTES) + "\n\n").getBytes(StandardCharsets.UTF_8);
        assertThat(rawBytes(s, big, false)).isEqualTo("error\nrequest larger than " + AdminProtocol.MAX_REQUEST_BYTES + " bytes\n");
        byte[] fits = ("reload\n/" + "a".repeat(AdminProtocol.MAX_REQUEST_BYTES - 10) + "\n\n").getBytes(StandardCharsets.UTF_8);
        assertThat(rawBytes(s, fits, false)).startsWith("ok\nreload /aaa");
    }

    @Test
    void aClientThatSendsNothingIsCutOffAtTheTimeoutAndDoesNotHoldUpOthers() throws Exception {
        // Long enough for the other client to send its request on a busy machine, short for a test.
        AdminServer s = start(ECHO, Duration.ofSeconds(2));
        try (SocketChannel stuck = SocketChannel.open(UnixDomainSocketAddress.of(s.path()))) {
            stuck.write(ByteBuffer.wrap("status\n".getBytes(StandardCharsets.UTF_8))); // and never the empty line
            assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("status"));
            String reply = readAll(stuck);
            assertThat(reply).startsWith("error\nno whole request within 2000 ms (read 7 bytes; a request ends with an empty line)");
        }
    }

    @Test
    void aStuckClientDoesNotBlockTheServerEvenWithALongTimeout() throws Exception {
        // The server waits 10 minutes for the stuck one; the other client's deadline is far shorter.
        AdminServer s = start(ECHO, Duration.ofMinutes(10));
        try (SocketChannel stuck = SocketChannel.open(UnixDomainSocketAddress.of(s.path()))) {
            assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS), Duration.ofSeconds(60)))
                    .isEqualTo(AdminResponse.ok("status"));
            assertThat(stuck.isConnected()).isTrue();
        }
    }

    @Test
    void aClientGivesUpAtItsDeadlineWhenNoReplyComes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AdminServer s = start(r -> {
            release.await();
            return AdminResponse.ok("late");
        });
        try {
            assertThatThrownBy(() -> AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS), Duration.ofMillis(200)))
                    .isInstanceOf(AdminClient.UnreachableException.class)
                    .hasMessage(s.path() + ": no reply within 200 ms");
        } finally {
            release.countDown();
        }
        // The server answered into a closed connection and went on.
        assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("late"));
    }

    @Test
    void concurrentClientsEachGetTheirOwnAnswer() throws Exception {
        AdminServer s = start(r -> AdminResponse.ok("drained " + r.argument()));
        int clients = 64;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<AdminResponse>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String backend = "10.0.1." + i;
                replies.add(pool.submit(() -> {
                    // A busy answer is allowed when more than MAX_CONNECTIONS are in flight: retry then.
                    while (true) {
                        AdminResponse r = AdminClient.send(s.path(), AdminRequest.of(AdminCommand.DRAIN, backend));
                        if (!r.text().startsWith("busy:")) {
                            return r;
                        }
                    }
                }));
            }
            for (int i = 0; i < clients; i++) {
                assertThat(replies.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(AdminResponse.ok("drained 10.0.1." + i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void beyondTheConnectionLimitAClientIsToldTheServerIsBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(AdminServer.MAX_CONNECTIONS);
        AdminServer s = start(r -> {
            entered.countDown();
            release.await();
            return AdminResponse.ok("done");
        });
        ExecutorService pool = Executors.newFixedThreadPool(AdminServer.MAX_CONNECTIONS);
        try {
            List<Future<AdminResponse>> held = new ArrayList<>();
            for (int i = 0; i < AdminServer.MAX_CONNECTIONS; i++) {
                held.add(pool.submit(() -> AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS))));
            }
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            AdminResponse busy = AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS));
            assertThat(busy.status()).isEqualTo(AdminResponse.Status.ERROR);
            assertThat(busy.text()).startsWith("busy: " + AdminServer.MAX_CONNECTIONS + " requests are being answered");
            release.countDown();
            for (Future<AdminResponse> f : held) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(AdminResponse.ok("done"));
            }
            assertThat(AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("done"));
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void whenEveryBusyAnswerIsInFlightTooTheNextClientWaitsAndIsAnsweredNotReset() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(AdminServer.MAX_CONNECTIONS);
        AdminServer s = start(r -> {
            entered.countDown();
            release.await();
            return AdminResponse.ok("done");
        });
        ExecutorService pool = Executors.newFixedThreadPool(AdminServer.MAX_CONNECTIONS + 1);
        List<SocketChannel> silent = new ArrayList<>();
        try {
            for (int i = 0; i < AdminServer.MAX_CONNECTIONS; i++) {
                pool.submit(() -> AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS)));
            }
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            // As many clients again take every busy answer and keep their connections open.
            for (int i = 0; i < AdminServer.MAX_CONNECTIONS; i++) {
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.path()));
                silent.add(c);
                assertThat(readSome(c)).startsWith("error").contains("busy:");
            }
            Future<AdminResponse> next = pool.submit(() -> AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS)));
            for (SocketChannel c : silent) {
                c.close(); // frees the busy answers: the waiting client gets one
            }
            AdminResponse r = next.get(60, TimeUnit.SECONDS);
            assertThat(r.text()).as("a busy answer, or the answer itself, never a reset").satisfiesAnyOf(
                    t -> assertThat(t).startsWith("busy:"), t -> assertThat(t).isEqualTo("done"));
        } finally {
            release.countDown();
            for (SocketChannel c : silent) {
                c.close();
            }
            pool.shutdownNow();
        }
    }

    /** Reads until the peer has sent something that ends a line, as text. */
    private static String readSome(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (b.position() == 0 || b.get(b.position() - 1) != '\n') {
            if (c.read(b) < 0) {
                break;
            }
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void theSocketIsTheOwnersOnlyAndGoesAwayAtClose() throws Exception {
        AdminServer s = start(ECHO);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path()))).isEqualTo("rw-------");
        s.close();
        assertThat(s.path()).doesNotExist();
        assertThatThrownBy(() -> AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS)))
                .isInstanceOf(AdminClient.UnreachableException.class)
                .hasMessage(s.path() + ": no such socket (the instance has exited, or does not serve one)")
                .satisfies(e -> assertThat(((AdminClient.UnreachableException) e).stale()).isFalse());
        s.close(); // twice is harmless
    }

    @Test
    void aStaleSocketIsReportedAsSuchAndReplacedByTheNextServer() throws Exception {
        Path path = dir.resolve("1-lb-test.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path)); // closed without removing the file, as kill -9 leaves it
        }
        assertThatThrownBy(() -> AdminClient.send(path, AdminRequest.of(AdminCommand.STATUS)))
                .isInstanceOf(AdminClient.UnreachableException.class)
                .hasMessage(path + ": connection refused: nobody listens (a stale socket left by a process that is gone)")
                .satisfies(e -> assertThat(((AdminClient.UnreachableException) e).stale()).isTrue());
        AdminServer s = start(ECHO);
        assertThat(AdminClient.send(path, AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("status"));
    }

    @Test
    void aSocketAnotherServerListensOnIsNotTakenOver() throws Exception {
        AdminServer first = start(ECHO);
        assertThatThrownBy(() -> AdminServer.start(first.path(), ECHO, log::add))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot serve the admin socket " + first.path() + ": another process serves it");
        assertThat(AdminClient.send(first.path(), AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("status"));
    }

    @Test
    void noBindingDirectoryIsLeftBehind() throws Exception {
        AdminServer s = start(ECHO);
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(s.path());
        }
        s.close();
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void aPathJustShortEnoughWorks() throws Exception {
        String base = dir.toAbsolutePath() + "/";
        Path longest = Path.of(base + "x".repeat(AdminServer.MAX_PATH_BYTES - base.length() - 5) + ".sock");
        assertThat(longest.toString().length()).isEqualTo(AdminServer.MAX_PATH_BYTES);
        AdminServer s = AdminServer.start(longest, ECHO, log::add);
        servers.add(s);
        assertThat(AdminClient.send(longest, AdminRequest.of(AdminCommand.STATUS))).isEqualTo(AdminResponse.ok("status"));
    }

    @Test
    void aPathTooLongForASocketIsOneClearFailure() {
        Path deep = Path.of(dir.toAbsolutePath() + "/" + "d".repeat(AdminServer.MAX_PATH_BYTES - dir.toAbsolutePath().toString().length() - 5) + "d.sock");
        assertThatThrownBy(() -> AdminServer.start(deep, ECHO, log::add))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot serve the admin socket " + deep + ": ")
                .hasMessageContaining("longer than " + AdminServer.MAX_PATH_BYTES + " bytes");
        assertThat(deep).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void requestsAndRepliesSurviveEncoding() throws Exception {
        AdminRequest r = AdminRequest.of(AdminCommand.RELOAD, "/tmp/a b.yaml");
        byte[] bytes = AdminProtocol.encode(r);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("reload\n/tmp/a b.yaml\n\n");
        assertThat(AdminProtocol.requestEnd(bytes, bytes.length)).isEqualTo(bytes.length);
        assertThat(AdminProtocol.requestEnd(bytes, bytes.length - 1)).isEqualTo(-1);
        assertThat(AdminProtocol.decodeRequest(bytes, bytes.length)).isEqualTo(r);
        for (AdminResponse a : List.of(AdminResponse.ok(""), AdminResponse.ok("applied x\n"), AdminResponse.error("no\nreally"),
                AdminResponse.internalError("internal: x"))) {
            byte[] b = AdminProtocol.encode(a);
            assertThat(AdminProtocol.decodeResponse(b, b.length)).isEqualTo(a);
        }
        assertThatThrownBy(() -> AdminProtocol.decodeResponse(new byte[0], 0)).hasMessageContaining("empty reply");
        byte[] odd = "maybe\nx\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AdminProtocol.decodeResponse(odd, odd.length)).hasMessageContaining("unknown status line 'maybe'");
        assertThatThrownBy(() -> AdminRequest.of(AdminCommand.DRAIN, "10.0.1.1\nstatus"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one non-empty line");
        assertThatThrownBy(() -> AdminRequest.of(AdminCommand.DRAIN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'drain BACKEND' takes one argument, not 0");
    }

    /** Sends {@code text} as it is, without closing the sending half; returns the whole reply. */
    private static String raw(AdminServer s, String text) throws IOException {
        return rawBytes(s, text.getBytes(StandardCharsets.UTF_8), false);
    }

    private static String rawBytes(AdminServer s, byte[] bytes, boolean shutdownOutput) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.path()))) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            try {
                while (b.hasRemaining()) {
                    c.write(b);
                }
            } catch (IOException refusedMidway) {
                // The server stopped reading at its limit and answered: the reply is what counts.
            }
            if (shutdownOutput) {
                c.shutdownOutput();
            }
            return readAll(c);
        }
    }

    private static String readAll(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        while (c.read(b) >= 0) {
            if (!b.hasRemaining()) {
                throw new AssertionError("reply too large");
            }
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void closingWhileARequestIsAnsweredStillRepliesToIt() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AdminServer s = start(r -> {
            entered.countDown();
            release.await();
            return AdminResponse.ok("late");
        });
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<AdminResponse> f = pool.submit(() -> AdminClient.send(s.path(), AdminRequest.of(AdminCommand.STATUS)));
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            s.close();
            Await.until(() -> !Files.exists(s.path()), Duration.ofSeconds(30), "socket file removed");
            release.countDown();
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(AdminResponse.ok("late"));
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
