package dev.sluice.cli;

import dev.sluice.cli.demo.DemoSetupException;
import dev.sluice.cli.demo.LbDemo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice demo}: the load balancer in front of three web servers, in network namespaces of
 * its own ({@link LbDemo}); {@code --udp}: AF_XDP receiving real UDP traffic ({@link UdpDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Show the load balancer at work on real HTTP, in a sandbox of its own.",
        description = {"Builds a sandbox of network namespaces (a client, the balancer, three backends running an HTTP "
                + "server, one bridge), runs 'sluice lb' there in DSR mode with health checks, makes HTTP requests through "
                + "it with curl, shows them live per backend, stops one backend midway so the failover shows, prints "
                + "'summary requests=N ok=N failed=N' and one line per backend, and removes the sandbox. Exit code 0 when "
                + "requests failed only while the balancer detected the stopped backend. Needs root, python3, curl, ethtool.",
                "--udp instead: real UDP traffic into an AF_XDP port, with live rates."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--udp", description = "The AF_XDP UDP demonstration (raw receive rates) instead of the load balancer.")
    boolean udp;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "How long to run (default: ${DEFAULT-VALUE}).")
    double duration = 30;

    @Option(names = "--rate", paramLabel = "REQUESTS",
            description = "HTTP requests a second the client starts, each on a new connection (default: ${DEFAULT-VALUE}).")
    int rate = 30;

    @Option(names = "--flap-every", paramLabel = "SECONDS",
            description = "Stop the second backend every SECONDS and start it again half a period later, instead of one "
                    + "stop midway (soak; default: off).")
    double flapEvery;

    @Option(names = "--reload-every", paramLabel = "SECONDS",
            description = "Rewrite the balancer's configuration (a weight alternating) and reload it every SECONDS "
                    + "(soak; default: off).")
    double reloadEvery;

    @Option(names = "--downloads", paramLabel = "N",
            description = "Also keep N slow downloads (about 16 s each) running: connections that last across stops "
                    + "and reloads (soak; default: ${DEFAULT-VALUE}).")
    int downloads;

    @Option(names = "--mode", paramLabel = "MODE", description = "rxonly, io, macswap or 5tswap; --udp only (default: ${DEFAULT-VALUE}).")
    String mode = "rxonly";

    @Option(names = "--size", paramLabel = "BYTES",
            description = "Frame size on the wire incl. 4-byte FCS, 64..1518, as in gen; --udp only (default: ${DEFAULT-VALUE}).")
    int frameSize = 64;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private volatile boolean stopRequested;

    @Override
    public Integer call() {
        if (udp) {
            OptionChecks.demoUdpOnly(this);
            int payload = OptionChecks.demo(this); // every value and the privileges checked before the sandbox is built
            return UdpDemo.run(duration, mode, payload);
        }
        OptionChecks.demoLb(this);
        try {
            LbDemo.checkTools();
        } catch (DemoSetupException e) {
            throw new Main.UserError(e.getMessage());
        }
        Thread hook = new Thread(() -> {
            stopRequested = true;
            try {
                cleanedUp.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-demo-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return new LbDemo(new LbDemo.Settings(duration, rate, flapEvery, reloadEvery, downloads, System.out))
                    .run(() -> stopRequested);
        } catch (DemoSetupException e) {
            throw new Main.UserError(e.getMessage());
        } finally {
            System.out.flush();
            cleanedUp.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook waits for cleanedUp, which is now counted down.
            }
        }
    }

    /** Whether {@code option} was given on the command line. */
    boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }
}
