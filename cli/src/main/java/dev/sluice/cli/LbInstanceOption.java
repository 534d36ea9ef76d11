package dev.sluice.cli;

import picocli.CommandLine.Option;

/** {@code --instance PID|NAME}: which running balancer an admin subcommand addresses. */
final class LbInstanceOption {
    @Option(names = "--instance", paramLabel = "PID|NAME", description = "The balancer of this process id, instance "
            + "name (lb-IFACE) or interface; needed when several run (default: the only one).")
    String instance;
}
