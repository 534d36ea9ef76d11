/**
 * The {@code sluice} binary: {@link dev.sluice.cli.Main} and its commands ({@code fwd}, {@code gen},
 * {@code stat}, {@code demo}). A forwarding session ({@link dev.sluice.cli.ForwardSession}) opens the
 * ports of the chosen driver ({@link dev.sluice.cli.FwdPorts}), reports once a second
 * ({@link dev.sluice.cli.LiveReporter}, {@link dev.sluice.cli.RateReport}) and publishes its counters
 * in a shared-memory file that {@code stat} and the Prometheus endpoint
 * ({@link dev.sluice.cli.MetricsServer}) read. {@link dev.sluice.cli.Sandbox} and
 * {@link dev.sluice.cli.UdpSender} exist for {@code demo} only; tests use {@code dev.sluice.testing}.
 */
package dev.sluice.cli;
