package dev.sluice.cli;

import dev.sluice.lb.admin.AdminCommand;
import dev.sluice.lb.admin.AdminRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code sluice lb drain BACKEND} and ({@link Undrain}) {@code sluice lb undrain BACKEND}: a running
 * balancer gives a backend no new flows (established ones stay), or new flows again.
 */
@Command(name = "drain", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Give a backend no new flows; its established flows stay.",
        description = {"Drains BACKEND (an IP address) in every VIP that holds it, in a running balancer, until "
                + "'sluice lb undrain'; a reload keeps the drain while the backend stays configured.",
                "Exit codes: 0 drained; 2 unknown backend, no such instance, or several and no --instance; 1 the "
                + "instance could not be asked."})
final class LbDrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BACKEND", description = "The backend's IP address, as in the configuration.")
    String backend;

    @Mixin
    LbInstanceOption target = new LbInstanceOption();

    @Override
    public Integer call() {
        return ask(AdminCommand.DRAIN, backend, target);
    }

    static int ask(AdminCommand command, String backend, LbInstanceOption target) {
        if (backend.isBlank() || backend.indexOf('\n') >= 0 || backend.indexOf('\r') >= 0) {
            throw new Main.UserError("BACKEND must be an IP address, not '" + backend.strip() + "'");
        }
        return LbInstances.ask(target.instance, AdminRequest.of(command, backend.strip()), System.out, System.err);
    }

    /** {@code sluice lb undrain BACKEND}. */
    @Command(name = "undrain", mixinStandardHelpOptions = true, sortOptions = false,
            header = "Give a drained backend new flows again.",
            description = {"Undoes 'sluice lb drain BACKEND' in a running balancer.",
                    "Exit codes: 0 undrained; 2 unknown backend, no such instance, or several and no --instance; 1 the "
                    + "instance could not be asked."})
    static final class Undrain implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "BACKEND", description = "The backend's IP address, as in the configuration.")
        String backend;

        @Mixin
        LbInstanceOption target = new LbInstanceOption();

        @Override
        public Integer call() {
            return ask(AdminCommand.UNDRAIN, backend, target);
        }
    }
}
