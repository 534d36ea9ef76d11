package dev.sluice.cli;

import dev.sluice.lb.admin.AdminCommand;
import dev.sluice.lb.admin.AdminRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code sluice lb status}: the running balancer's VIPs and backends, asked over its admin socket. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Show a running balancer's VIPs, backends, health, drains, flows and rates.",
        description = {"Asks the running 'sluice lb' over its admin socket (beside its counters file in the run directory, "
                + "/dev/shm/sluice-<uid> or $SLUICE_RUN_DIR) and prints its answer.",
                "Exit codes: 0 answered; 2 no such instance, or several and no --instance; 1 the instance could not be asked."})
final class LbStatusCommand implements Callable<Integer> {
    @Mixin
    LbInstanceOption target = new LbInstanceOption();

    @Override
    public Integer call() {
        return LbInstances.ask(target.instance, AdminRequest.of(AdminCommand.STATUS), System.out, System.err);
    }
}
