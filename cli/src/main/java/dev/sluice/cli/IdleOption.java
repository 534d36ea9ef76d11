package dev.sluice.cli;

import dev.sluice.pipeline.runtime.IdleStrategies;
import picocli.CommandLine.Option;

/**
 * {@code --idle}: what a worker does after a poll that found no packets ({@code fwd} and {@code lb};
 * a picocli mixin). Each command has its own default: {@code fwd} spins (a worker with a CPU to
 * itself answers soonest), {@code lb} backs off (in copy mode the kernel's receive work needs the
 * CPU the worker would spin on).
 */
final class IdleOption {
    /** The names offered; {@link IdleStrategies#byName} knows a few more. */
    static final String CHOICES = "spin, yield, backoff, sleep";

    @Option(names = "--idle", paramLabel = "STRATEGY", description = "What a worker does when a poll finds no packets: "
            + "spin (keeps its CPU busy), yield, backoff (spins, yields, then parks for up to a millisecond) "
            + "or sleep (1 ms) (default: spin for fwd, backoff for lb).")
    String idle;

    /** The chosen strategy, or {@code commandDefault} when the option was not given; refuses unknown names with one line. */
    String orDefault(String commandDefault) {
        if (idle == null) {
            return commandDefault;
        }
        return switch (idle) {
            case "spin", "yield", "backoff", "sleep" -> idle;
            default -> throw new Main.UserError("--idle must be one of " + CHOICES + ", not '" + idle + "'");
        };
    }
}
