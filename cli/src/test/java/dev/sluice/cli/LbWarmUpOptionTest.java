package dev.sluice.cli;

import dev.sluice.lb.control.LbOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice lb --warmup-ms}: as {@code sluice fwd}'s, with the balancer's default, checked before anything runs. */
class LbWarmUpOptionTest {
    @Test
    void theDefaultIsTheBalancersAndTheHelpSaysHowToTurnItOff() {
        CommandLine lb = new CommandLine(new Main()).getSubcommands().get("lb");
        assertThat(((LbCommand) lb.getCommand()).warmUpMillis).isEqualTo(LbOptions.DEFAULT_WARM_UP.toMillis());
        assertThat(lb.getUsageMessage()).contains("--warmup-ms=MS").contains("0: off");
    }

    @Test
    void aNegativeWarmUpIsOneLineAndExitTwo() {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setExecutionExceptionHandler((e, c, parsed) -> Main.report(e, c.getErr()));
        int exit = cli.execute("lb", "--config", "/nonexistent/lb.yaml", "--warmup-ms", "-1");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("sluice: --warmup-ms must be 0 or more (0: off), not -1" + System.lineSeparator());
    }
}
