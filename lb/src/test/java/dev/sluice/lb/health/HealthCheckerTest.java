package dev.sluice.lb.health;

import dev.sluice.lb.config.HealthConfig;
import dev.sluice.lb.health.ScriptedServer.Answer;
import dev.sluice.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checker against real servers on 127.0.0.1. Transitions are counted in checks (connections the
 * server accepted when the listener was called), never in time: a scripted server decides each
 * check's answer, so a test knows exactly at which check a change must come.
 */
class HealthCheckerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /**
     * Interval and timeout of checks whose results a test asserts: generous, so that no check times
     * out by accident on a busy machine (loopback answers take far less).
     */
    private static final Duration STEADY = Duration.ofMillis(500);
    /** For checks whose results do not matter, only their number. */
    private static final Duration QUICK = HealthConfig.MIN_INTERVAL;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** One listener call, with the number of checks its server had seen then. */
    record Event(HealthTarget target, HealthState state, String reason, int checks) {
    }

    /** A listener and a log that record what they are told. */
    static final class Recorder implements HealthListener {
        final List<Event> events = new CopyOnWriteArrayList<>();
        final List<String> log = new CopyOnWriteArrayList<>();
        volatile IntSupplier checks = () -> -1;

        @Override
        public void onChange(HealthTarget target, HealthState state, String reason) {
            events.add(new Event(target, state, reason, checks.getAsInt()));
        }

        HealthChecker checker() {
            return new HealthChecker(this, log::add);
        }

        void awaitEvents(int n) {
            Await.until(() -> events.size() >= n, DEADLINE, () -> n + " listener calls; got " + events + ", log " + log);
        }
    }

    static HealthConfig http(int port, String path, int expect, Duration interval, Duration timeout, int rise, int fall) {
        return new HealthConfig(HealthConfig.Type.HTTP, port, path, expect, interval, timeout, rise, fall);
    }

    static HealthConfig tcp(int port, Duration interval, Duration timeout, int rise, int fall) {
        return new HealthConfig(HealthConfig.Type.TCP, port, null, 0, interval, timeout, rise, fall);
    }

    static Answer[] answers(Object... spec) {
        return Arrays.stream(spec).map(a -> a instanceof Answer x ? x : Answer.status((Integer) a)).toArray(Answer[]::new);
    }

    @Test
    void firstFailureTakesANewTargetDownAtOnce() throws IOException {
        CountDownLatch gate = new CountDownLatch(1);
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(Answer.heldUntil(gate, 503))); HealthChecker checker = r.checker()) {
            r.checks = server::accepted;
            HealthTarget t = new HealthTarget(LOOPBACK, http(server.port(), "/healthz", 200, STEADY, STEADY, 2, 3));
            checker.watch(List.of(t));
            Await.until(() -> server.requests().size() == 1, DEADLINE, "the first check's request");
            assertThat(checker.state(t)).as("a new target starts up").isEqualTo(HealthState.UP);
            assertThat(checker.checked(t)).as("and unchecked").isFalse();
            gate.countDown();

            r.awaitEvents(1);
            assertThat(r.events).containsExactly(new Event(t, HealthState.DOWN, "HTTP 503 (expected 200)", 1));
            assertThat(r.log).containsExactly("health: backend 127.0.0.1 port " + server.port()
                    + " (http /healthz) is down: HTTP 503 (expected 200) (1 check failed)");
            assertThat(checker.state(t)).isEqualTo(HealthState.DOWN);
            assertThat(checker.checked(t)).isTrue();
            assertThat(checker.lastFailure(t)).contains("HTTP 503 (expected 200)");
        }
    }

    @Test
    void firstSuccessConfirmsUpWithoutAChange() throws IOException {
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(200)); HealthChecker checker = r.checker()) {
            HealthTarget t = new HealthTarget(LOOPBACK, http(server.port(), "/", 200, STEADY, STEADY, 2, 2));
            assertThat(checker.checked(t)).isFalse();
            checker.watch(List.of(t));
            Await.until(() -> checker.checked(t) && server.accepted() >= 3, DEADLINE, "three checks");
            assertThat(r.events).isEmpty();
            assertThat(r.log).isEmpty();
            assertThat(checker.state(t)).isEqualTo(HealthState.UP);
            assertThat(checker.lastFailure(t)).isEmpty();
        }
    }

    @Test
    void fallAndRiseCountConsecutiveResultsExactly() throws IOException {
        // rise 2, fall 3. Checks:  1 confirms up; 2,3 fail (2 < fall); 4 passes (resets); 5,6,7 fail -> DOWN at 7;
        // 8 passes; 9 fails (resets); 10, 11 pass -> UP at 11; then it stays up.
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(200, 503, 503, 200, 503, 503, 503, 200, 503, 200, 200));
             HealthChecker checker = r.checker()) {
            r.checks = server::accepted;
            HealthTarget t = new HealthTarget(LOOPBACK, http(server.port(), "/healthz", 200, STEADY, STEADY, 2, 3));
            checker.watch(List.of(t));
            r.awaitEvents(2);
            Await.until(() -> server.accepted() >= 14, DEADLINE, "three checks after the last change");

            String name = "backend 127.0.0.1 port " + server.port() + " (http /healthz)";
            assertThat(r.events).containsExactly(
                    new Event(t, HealthState.DOWN, "HTTP 503 (expected 200)", 7),
                    new Event(t, HealthState.UP, "2 checks passed", 11));
            assertThat(r.log).containsExactly(
                    "health: " + name + " is down: HTTP 503 (expected 200) (3 checks failed)",
                    "health: " + name + " is up (2 checks passed)");
            assertThat(checker.state(t)).isEqualTo(HealthState.UP);
            assertThat(checker.lastFailure(t)).contains("HTTP 503 (expected 200)");
        }
    }

    @Test
    void httpCheckSendsAGetWithHostAndConnectionCloseAndComparesTheStatus() throws IOException {
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(200)); HealthChecker checker = r.checker()) {
            HealthTarget t = new HealthTarget(LOOPBACK, http(server.port(), "/status/ready?full=1", 204, STEADY, STEADY, 1, 1));
            checker.watch(List.of(t));
            r.awaitEvents(1);
            assertThat(r.events.getFirst().reason()).isEqualTo("HTTP 200 (expected 204)");
            String request = server.requests().getFirst();
            assertThat(request).startsWith("GET /status/ready?full=1 HTTP/1.1\r\n")
                    .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n")
                    .contains("\r\nConnection: close\r\n")
                    .endsWith("\r\n\r\n");
        }
    }

    @Test
    void anIpv6BackendIsCheckedOnItsOwnAddress() throws IOException {
        InetAddress loopback6 = InetAddress.getByName("::1");
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(loopback6, answers(503)); HealthChecker checker = r.checker()) {
            HealthTarget t = new HealthTarget(loopback6, http(server.port(), "/healthz", 200, STEADY, STEADY, 2, 2));
            checker.watch(List.of(t));
            r.awaitEvents(1);
            assertThat(r.log).containsExactly("health: backend ::1 port " + server.port()
                    + " (http /healthz) is down: HTTP 503 (expected 200) (1 check failed)");
            assertThat(server.requests().getFirst()).contains("\r\nHost: [::1]:" + server.port() + "\r\n");
        }
    }

    @Test
    void aHangingServerFailsWithTheTimeout() throws IOException {
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(Answer.hang())); HealthChecker checker = r.checker()) {
            HealthTarget t = new HealthTarget(LOOPBACK, http(server.port(), "/", 200, Duration.ofMillis(300),
                    Duration.ofMillis(200), 2, 2));
            checker.watch(List.of(t));
            r.awaitEvents(1);
            assertThat(r.events.getFirst().state()).isEqualTo(HealthState.DOWN);
            assertThat(r.events.getFirst().reason()).isEqualTo("timeout after 200 ms");
            // The next checks start although the hanging connections stay open: one check never blocks the next.
            Await.until(() -> server.accepted() >= 3, DEADLINE, "later checks of the hanging server");
        }
    }

    @Test
    void aServerClosingWithoutAnAnswerFails() throws IOException {
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(Answer.closeAtOnce())); HealthChecker checker = r.checker()) {
            HealthTarget t = new HealthTarget(LOOPBACK, http(server.port(), "/", 200, STEADY, STEADY, 2, 2));
            checker.watch(List.of(t));
            r.awaitEvents(1);
            assertThat(r.events.getFirst().reason()).isEqualTo("connection closed before a status line");
        }
    }

    @Test
    void tcpCheckPassesOnAnOpenPortAndFailsRefused() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = s.getLocalPort();
        }
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(200)); HealthChecker checker = r.checker()) {
            HealthTarget open = new HealthTarget(LOOPBACK, tcp(server.port(), STEADY, STEADY, 2, 2));
            HealthTarget refused = new HealthTarget(LOOPBACK, tcp(closedPort, STEADY, STEADY, 2, 2));
            checker.watch(List.of(open, refused));
            r.awaitEvents(1);
            Await.until(() -> checker.checked(open) && server.accepted() >= 3, DEADLINE, "three checks of the open port");
            assertThat(r.events).containsExactly(new Event(refused, HealthState.DOWN, "connection refused", -1));
            assertThat(r.log).containsExactly("health: backend 127.0.0.1 port " + closedPort
                    + " (tcp) is down: connection refused (1 check failed)");
            assertThat(checker.state(open)).isEqualTo(HealthState.UP);
            assertThat(server.requests()).as("a tcp check sends nothing").isEmpty();
        }
    }

    @Test
    void tcpConnectThatGetsNoAnswerFailsWithTheTimeout() throws IOException {
        try (FullListener full = new FullListener()) {
            Recorder r = new Recorder();
            try (HealthChecker checker = r.checker()) {
                HealthTarget t = new HealthTarget(LOOPBACK, tcp(full.port(), Duration.ofMillis(300), Duration.ofMillis(200), 2, 2));
                checker.watch(List.of(t));
                r.awaitEvents(1);
                assertThat(r.events.getFirst().reason()).isEqualTo("timeout after 200 ms");
            }
        }
    }

    @Test
    void watchKeepsTheStateAndCountersOfKeptTargetsAndAppliesTheirNewTiming() throws IOException {
        // rise 2. Check 1 fails (DOWN), 2 passes, 3 is held while the targets are watched again with a
        // new timing; if the counters survive, check 3 is the second success in a row and brings it UP.
        CountDownLatch gate = new CountDownLatch(1);
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(503, 200, Answer.heldUntil(gate, 200), 200));
             ScriptedServer other = new ScriptedServer(answers(200));
             HealthChecker checker = r.checker()) {
            r.checks = server::accepted;
            HealthTarget before = new HealthTarget(LOOPBACK, http(server.port(), "/", 200, STEADY, STEADY, 2, 2));
            checker.watch(List.of(before));
            r.awaitEvents(1);
            Await.until(() -> server.accepted() >= 3, DEADLINE, "the held check");

            HealthTarget after = new HealthTarget(LOOPBACK, http(server.port(), "/", 200, Duration.ofMillis(400),
                    Duration.ofMillis(400), 2, 2));
            HealthTarget added = new HealthTarget(LOOPBACK, http(other.port(), "/", 200, STEADY, STEADY, 2, 2));
            assertThat(after).isEqualTo(before).hasSameHashCodeAs(before);
            checker.watch(List.of(after, added));
            assertThat(checker.state(before)).isEqualTo(HealthState.DOWN);
            gate.countDown();

            r.awaitEvents(2);
            Event up = r.events.get(1);
            assertThat(up.state()).isEqualTo(HealthState.UP);
            assertThat(up.checks()).isEqualTo(3);
            assertThat(up.target().check().interval()).as("the listener sees the new timing").isEqualTo(Duration.ofMillis(400));
            Await.until(() -> checker.checked(added), DEADLINE, "the added target's first check");
            assertThat(r.events).hasSize(2);
        }
    }

    @Test
    void aShorterIntervalAppliesToTheWaitInProgress() throws IOException {
        Recorder r = new Recorder();
        try (ScriptedServer server = new ScriptedServer(answers(200)); HealthChecker checker = r.checker()) {
            HealthTarget hourly = new HealthTarget(LOOPBACK, http(server.port(), "/", 200, Duration.ofHours(1), STEADY, 2, 2));
            checker.watch(List.of(hourly));
            Await.until(() -> checker.checked(hourly), DEADLINE, "the first check");
            checker.watch(List.of(new HealthTarget(LOOPBACK, http(server.port(), "/", 200, QUICK, QUICK, 2, 2))));
            Await.until(() -> server.accepted() >= 3, DEADLINE, () -> "checks at the new interval; " + server.accepted() + " so far");
        }
    }

    @Test
    void removedTargetsStopAndNeverCallTheListenerAgain() throws IOException {
        Recorder r = new Recorder();
        try (ScriptedServer removedServer = new ScriptedServer(answers(200));
             ScriptedServer keptServer = new ScriptedServer(answers(200));
             HealthChecker checker = r.checker()) {
            HealthTarget removed = new HealthTarget(LOOPBACK, http(removedServer.port(), "/", 200, STEADY, STEADY, 1, 1));
            HealthTarget kept = new HealthTarget(LOOPBACK, http(keptServer.port(), "/", 200, STEADY, STEADY, 1, 1));
            checker.watch(List.of(removed, kept));
            Await.until(() -> checker.checked(removed) && checker.checked(kept), DEADLINE, "first checks");
            assertThat(checker.runningThreads()).isEqualTo(2);

            checker.watch(List.of(kept));
            removedServer.answerFromNowOn(Answer.status(500));
            Await.until(() -> checker.runningThreads() == 1, DEADLINE, "the removed target's thread to end");
            int checksAfterStop = removedServer.accepted();
            assertThat(checker.checked(removed)).isFalse();
            assertThat(checker.state(removed)).isEqualTo(HealthState.UP);

            int keptChecks = keptServer.accepted();
            Await.until(() -> keptServer.accepted() >= keptChecks + 3, DEADLINE, "the kept target goes on");
            assertThat(removedServer.accepted()).isEqualTo(checksAfterStop);
            assertThat(r.events).isEmpty();
            assertThat(r.log).isEmpty();
        }
    }

    @Test
    void closeEndsChecksBlockedInReadOrConnectAtOnceAndIsIdempotent() throws IOException {
        Duration longTimeout = Duration.ofMinutes(5);
        Duration longInterval = Duration.ofMinutes(10);
        Recorder r = new Recorder();
        try (ScriptedServer hanging = new ScriptedServer(answers(Answer.hang())); FullListener full = new FullListener()) {
            HealthChecker checker = r.checker();
            HealthTarget reading = new HealthTarget(LOOPBACK, http(hanging.port(), "/", 200, longInterval, longTimeout, 2, 2));
            HealthTarget connecting = new HealthTarget(LOOPBACK, tcp(full.port(), longInterval, longTimeout, 2, 2));
            checker.watch(List.of(reading, connecting));
            Await.until(() -> hanging.requests().size() == 1, DEADLINE, "the http check's request");
            Await.until(() -> checker.threads().stream().allMatch(HealthCheckerTest::blockedInSocket), DEADLINE,
                    () -> "both checks blocked in a socket call: " + checker.threads().stream().map(t -> Arrays.toString(t.getStackTrace())).toList());

            checker.close();
            Await.until(() -> checker.runningThreads() == 0, DEADLINE, "every check thread to end");
            checker.close();
            checker.watch(List.of(reading));
            assertThat(checker.runningThreads()).as("watch after close starts nothing").isZero();
            assertThat(r.events).isEmpty();
        }
    }

    private static boolean blockedInSocket(Thread t) {
        return t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING
                ? Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().contains("NioSocketImpl")) : false;
    }

    /**
     * A listening socket whose accept queue is full and never drained: the kernel drops further SYNs,
     * so a connect to it neither succeeds nor is refused until its timeout.
     */
    static final class FullListener implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> queued = new ArrayList<>();

        FullListener() throws IOException {
            listener = new ServerSocket(0, 1, LOOPBACK);
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(LOOPBACK, listener.getLocalPort()), 200);
                    queued.add(s);
                } catch (SocketTimeoutException e) {
                    s.close();
                    return;
                }
            }
            throw new IllegalStateException("the accept queue of a listener with backlog 1 never filled up");
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : queued) {
                s.close();
            }
            listener.close();
        }
    }
}
