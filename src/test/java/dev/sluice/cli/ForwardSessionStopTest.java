package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stop hook of {@code sluice fwd} (Ctrl-C, and the JVM's exit after an error) waits for a
 * running session's summary, and for nothing when setup failed before the session started: e.g.
 * {@code --metrics} on a port in use fails at once and the process exits at once.
 */
class ForwardSessionStopTest {
    private static ForwardSession session(PrintStream out) {
        ForwardSession.Settings s = new ForwardSession.Settings("eth0", new int[] {0}, ForwardMode.MACSWAP,
                AfXdpOptions.defaults(), UmemConfig.defaults(), 64, null, 0, null);
        return new ForwardSession(s, out);
    }

    @Test
    void aSessionThatNeverStartedIsNotWaitedFor() throws Exception {
        ForwardSession session = session(System.out);
        session.requestStop();
        assertThat(session.awaitFinished(0)).isTrue();
    }

    @Test
    void aSessionStoppedBeforeItStartsDoesNotStart() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ForwardSession session = session(new PrintStream(out, true));
        session.requestStop();
        // AF_XDP on eth0 of this host would be opened if it started: it must not get there.
        assertThat(session.run(0, () -> false)).isEmpty();
        assertThat(session.awaitFinished(0)).isTrue();
        assertThat(out.toString()).isEmpty();
    }
}
