/**
 * {@code sluice demo}: the load balancer at work on real HTTP, in a network of its own.
 * {@link dev.sluice.cli.demo.LbDemo} runs it: a {@link dev.sluice.cli.demo.DemoNetwork} of network
 * namespaces (client, balancer, backends, joined by a bridge), the real {@code sluice lb} as a child
 * process there ({@link dev.sluice.cli.demo.BalancerProcess}), curl as the client
 * ({@link dev.sluice.cli.demo.CurlClient}), a live view, a backend stopped midway, and a verdict:
 * failures are allowed only while the balancer detects the stopped backend
 * ({@link dev.sluice.cli.demo.DetectionWindows}). Everything it starts or creates is removed at the
 * end, on Ctrl-C and after a failure too. What the sandbox needs and cannot get (a tool, a
 * privilege) is a {@link dev.sluice.cli.demo.DemoSetupException}: one line for the user.
 */
package dev.sluice.cli.demo;
