/**
 * The {@code sluice} binary: {@link dev.sluice.cli.Main} and its commands ({@code fwd}, {@code gen},
 * {@code stat}, {@code demo}). A forwarding session ({@link dev.sluice.cli.ForwardSession}) opens the
 * ports of the chosen driver ({@link dev.sluice.cli.FwdPorts}), reports once a second
 * ({@link dev.sluice.cli.LiveReporter}, {@link dev.sluice.cli.RateReport}) and publishes its counters
 * in a shared-memory file that {@code stat} and the Prometheus endpoint
 * ({@link dev.sluice.cli.MetricsServer}) read. {@code demo} runs the load balancer in a
 * network of its own (package {@code dev.sluice.cli.demo}); {@link dev.sluice.cli.Sandbox} and
 * {@link dev.sluice.cli.UdpSender} exist for {@code demo --udp} ({@link dev.sluice.cli.UdpDemo}) only;
 * tests use {@code dev.sluice.testing}.
 *
 *
 * <p><b>Errors.</b> A command checks every value it is given before it sets anything up
 * ({@link dev.sluice.cli.OptionChecks}; CPUs against the ones this process may run on,
 * {@link dev.sluice.cli.CpuSet}; a capture against what the pcap driver can process,
 * {@link dev.sluice.cli.PcapInput}). What a user can fix ends the command with
 * {@link dev.sluice.cli.Main.UserError} (or a port's setup failure, or a refused system call): one
 * line, exit code 2. Anything else, an {@link IllegalArgumentException} included, is a bug of
 * Sluice's own: "internal error", the stack trace, exit code 70.
 *
 * <p><b>Output.</b> Live lines are for people (counts with thousands separators, scaled bit
 * rates); the closing {@code summary key=value ...} line is for programs (plain digits), see
 * {@link dev.sluice.cli.RateReport}.
 */
package dev.sluice.cli;
