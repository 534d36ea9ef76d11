package dev.sluice.lb.health;

import dev.sluice.lb.config.HealthConfig;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The probes' pieces: the request, the status line, and the words of each failure. */
class ProbeTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void failuresAreWordedShortly() {
        assertThat(FailureReason.of(new ConnectException("Connection refused"), TIMEOUT)).isEqualTo("connection refused");
        assertThat(FailureReason.of(new SocketTimeoutException("Connect timed out"), TIMEOUT)).isEqualTo("timeout after 500 ms");
        assertThat(FailureReason.of(new SocketTimeoutException("Read timed out"), Duration.ofSeconds(1))).isEqualTo("timeout after 1000 ms");
        assertThat(FailureReason.of(new NoRouteToHostException("No route to host"), TIMEOUT)).isEqualTo("no route to host");
        assertThat(FailureReason.of(new ConnectException("Network is unreachable (connect failed)"), TIMEOUT))
                .isEqualTo("network is unreachable");
        assertThat(FailureReason.of(new SocketException("Connection reset"), TIMEOUT)).isEqualTo("connection reset");
        assertThat(FailureReason.of(new CheckFailedException("HTTP 503 (expected 200)"), TIMEOUT)).isEqualTo("HTTP 503 (expected 200)");
        assertThat(FailureReason.of(new ConnectException(), TIMEOUT)).isEqualTo("connection failed");
        assertThat(FailureReason.of(new EOFException(), TIMEOUT)).isEqualTo("EOFException");
    }

    @Test
    void statusLinesGiveTheirCode() throws CheckFailedException {
        assertThat(HttpProbe.statusCode("HTTP/1.1 200 OK")).isEqualTo(200);
        assertThat(HttpProbe.statusCode("HTTP/1.0 503 Service Unavailable")).isEqualTo(503);
        assertThat(HttpProbe.statusCode("HTTP/1.1 204")).isEqualTo(204);
    }

    @Test
    void anythingElseIsNotAStatusLine() {
        for (String bad : new String[] {"SSH-2.0-OpenSSH_9.6", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc", "", "HTTP/1.1 099 x"}) {
            assertThatThrownBy(() -> HttpProbe.statusCode(bad)).as(bad).isInstanceOf(CheckFailedException.class)
                    .hasMessageStartingWith("not an HTTP status line: \"");
        }
        assertThatThrownBy(() -> HttpProbe.statusCode("\u0001binary garbage that goes on and on beyond the quote"))
                .hasMessage("not an HTTP status line: \"?binary garbage that goes on and on beyo...\"");
    }

    @Test
    void hostHeaderNamesTheBackendAddressAndItsPortUnless80() throws Exception {
        assertThat(HttpProbe.host(new InetSocketAddress(InetAddress.getByName("10.0.1.12"), 80))).isEqualTo("10.0.1.12");
        assertThat(HttpProbe.host(new InetSocketAddress(InetAddress.getByName("10.0.1.12"), 8080))).isEqualTo("10.0.1.12:8080");
        assertThat(HttpProbe.host(new InetSocketAddress(InetAddress.getByName("fd00::12"), 8080))).isEqualTo("[fd00::12]:8080");
        assertThat(HttpProbe.host(new InetSocketAddress(InetAddress.getByName("fd00::12"), 80))).isEqualTo("[fd00::12]");
    }

    @Test
    void targetsAreNamedAsOperatorsWriteThem() throws Exception {
        HealthConfig tcp = new HealthConfig(HealthConfig.Type.TCP, 8080, null, 0, Duration.ofSeconds(1), TIMEOUT, 2, 3);
        HealthConfig http = new HealthConfig(HealthConfig.Type.HTTP, 80, "/healthz", 200, Duration.ofSeconds(1), TIMEOUT, 2, 3);
        assertThat(new HealthTarget(InetAddress.getByName("2001:db8:0:0:0:0:0:7"), tcp).describe())
                .isEqualTo("backend 2001:db8::7 port 8080 (tcp)");
        assertThat(new HealthTarget(InetAddress.getByName("10.0.1.12"), http).describe())
                .isEqualTo("backend 10.0.1.12 port 80 (http /healthz)");
    }

    @Test
    void identityIsWhatIsCheckedNotWhen() throws Exception {
        InetAddress a = InetAddress.getByName("10.0.1.12");
        HealthConfig check = new HealthConfig(HealthConfig.Type.HTTP, 80, "/healthz", 200, Duration.ofSeconds(1), TIMEOUT, 2, 3);
        HealthConfig retimed = new HealthConfig(HealthConfig.Type.HTTP, 80, "/healthz", 200, Duration.ofSeconds(5),
                Duration.ofSeconds(2), 5, 1);
        HealthTarget t = new HealthTarget(a, check);
        assertThat(new HealthTarget(a, retimed)).isEqualTo(t).hasSameHashCodeAs(t);
        for (HealthTarget other : new HealthTarget[] {
                new HealthTarget(InetAddress.getByName("10.0.1.13"), check),
                new HealthTarget(a, new HealthConfig(HealthConfig.Type.HTTP, 81, "/healthz", 200, Duration.ofSeconds(1), TIMEOUT, 2, 3)),
                new HealthTarget(a, new HealthConfig(HealthConfig.Type.HTTP, 80, "/", 200, Duration.ofSeconds(1), TIMEOUT, 2, 3)),
                new HealthTarget(a, new HealthConfig(HealthConfig.Type.HTTP, 80, "/healthz", 204, Duration.ofSeconds(1), TIMEOUT, 2, 3)),
                new HealthTarget(a, new HealthConfig(HealthConfig.Type.TCP, 80, null, 0, Duration.ofSeconds(1), TIMEOUT, 2, 3))}) {
            assertThat(other).isNotEqualTo(t);
        }
    }

    @Test
    void requestIsAGetThatClosesTheConnection() throws Exception {
        String request = new String(HttpProbe.request(new InetSocketAddress(InetAddress.getByName("10.0.1.12"), 80), "/healthz"),
                StandardCharsets.US_ASCII);
        assertThat(request).startsWith("GET /healthz HTTP/1.1\r\nHost: 10.0.1.12\r\n")
                .contains("\r\nConnection: close\r\n").endsWith("\r\n\r\n");
    }
}
