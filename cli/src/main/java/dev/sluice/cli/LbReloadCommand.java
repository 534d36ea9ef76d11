package dev.sluice.cli;

import dev.sluice.lb.admin.AdminCommand;
import dev.sluice.lb.admin.AdminRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sluice lb reload}: a running balancer takes a new configuration, or says exactly why not. */
@Command(name = "reload", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Make a running balancer reload its configuration.",
        description = {"The balancer validates the file completely first (the same one-line messages as at start: "
                + "FILE:LINE:COLUMN: KEY: what is wrong), then applies it at once; established flows keep their backends. "
                + "An invalid file, or one that changes what only a restart can (interface, workers, connection table "
                + "capacity), is refused and the running configuration stays untouched.",
                "Prints 'applied ...' or why not. SIGHUP to the balancer does the same with the file it runs (the "
                + "outcome goes to its log).",
                "Exit codes: 0 applied; 2 refused, no such instance, or several and no --instance; 1 the instance could "
                + "not be asked."})
final class LbReloadCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The new configuration (default: the file the balancer "
            + "runs, read again).")
    Path config;

    @Mixin
    LbInstanceOption target = new LbInstanceOption();

    @Override
    public Integer call() {
        // The balancer resolves nothing against its own working directory: the path goes absolute.
        AdminRequest request = config == null ? AdminRequest.of(AdminCommand.RELOAD)
                : AdminRequest.of(AdminCommand.RELOAD, oneLine(config.toAbsolutePath().normalize().toString()));
        return LbInstances.ask(target.instance, request, System.out, System.err);
    }

    private static String oneLine(String path) {
        if (path.indexOf('\n') >= 0 || path.indexOf('\r') >= 0) {
            throw new Main.UserError("--config: a file name with a line break cannot be sent to the balancer");
        }
        return path;
    }
}
