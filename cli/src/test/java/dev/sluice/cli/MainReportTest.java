package dev.sluice.cli;

import dev.sluice.lb.config.ConfigException;
import dev.sluice.lb.control.LbSetupException;
import dev.sluice.sys.NativeException;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A user's mistake is one line and exit 2; our own bug is an internal error with its stack trace. */
class MainReportTest {
    private record Printed(int exit, String text) {
    }

    private static Printed report(Throwable t) {
        StringWriter text = new StringWriter();
        int exit = Main.report(t, new PrintWriter(text));
        return new Printed(exit, text.toString());
    }

    @Test
    void aUserErrorIsOneLineAndExitTwo() {
        Printed p = report(new Main.UserError("--batch must be in 1..1024, not 0"));
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.text()).isEqualTo("sluice: --batch must be in 1..1024, not 0" + System.lineSeparator());
    }

    @Test
    void anIllegalArgumentFromOurOwnCodeIsAnInternalError() {
        Printed p = report(new IllegalArgumentException("frame count must be in 64..4194304, not 16"));
        assertThat(p.exit()).isEqualTo(70);
        assertThat(p.text()).startsWith("sluice: internal error: java.lang.IllegalArgumentException").contains("\tat ");
    }

    @Test
    void aRefusedSystemCallIsOneLine() {
        Printed p = report(new NativeException("sched_setaffinity", 22, "pinning the thread to CPU 3", null));
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.text().lines().count()).isEqualTo(1);
    }

    @Test
    void aBalancerConfigurationMistakeIsTheLoadersOneLine() {
        Printed p = report(new ConfigException(Path.of("lb.yaml"), 7, 16, "vips[0].backends[1].weight", "70000 is out of range 0..65535"));
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.text()).startsWith("sluice: lb.yaml:7:16: vips[0].backends[1].weight: 70000 is out of range");
        assertThat(p.text().lines().count()).isEqualTo(1);
        Printed setup = report(new LbSetupException("workers: 100 is more than a balancer runs (at most 64)"));
        assertThat(setup.exit()).isEqualTo(2);
        assertThat(setup.text().lines().count()).isEqualTo(1);
    }

    @Test
    void genFailsWithWhatStoppedItsSender() {
        GenCommand.throwIfFailed(null); // no failure: nothing thrown
        NativeException refused = new NativeException("sendto", 100, "sending", null);
        assertThatThrownBy(() -> GenCommand.throwIfFailed(refused)).isSameAs(refused);
        IllegalStateException bug = new IllegalStateException("ours");
        assertThatThrownBy(() -> GenCommand.throwIfFailed(bug)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the sending thread failed").hasCause(bug);
        assertThat(report(new IllegalStateException("the sending thread failed", bug)).exit()).isEqualTo(70);
    }
}
