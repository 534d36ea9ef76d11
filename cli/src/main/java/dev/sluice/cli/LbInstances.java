package dev.sluice.cli;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersDirectory.Instance;
import dev.sluice.lb.admin.AdminClient;
import dev.sluice.lb.admin.AdminRequest;
import dev.sluice.lb.admin.AdminResponse;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The running {@code sluice lb} instances, found as {@code sluice stat} finds instances (their
 * counters files in the run directory), and a request to one of them over its admin socket.
 *
 * <p>Exit codes of the {@code sluice lb} admin subcommands: 0 done; 2 refused or not understood
 * (an invalid configuration, an unknown backend, no such instance, several without
 * {@code --instance}); 1 the instance could not be asked (its socket is gone or nobody answers)
 * or failed to answer.
 */
final class LbInstances {
    static final String PREFIX = "lb-";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private LbInstances() {
    }

    /** Sends {@code request} to the instance {@code selector} names (null: the only one); returns the exit code. */
    static int ask(String selector, AdminRequest request, PrintStream out, PrintStream err) {
        return ask(CountersDirectory.resolve(), selector, request, out, err);
    }

    /** As above, in the run directory {@code dir}. */
    static int ask(Path dir, String selector, AdminRequest request, PrintStream out, PrintStream err) {
        Instance target = choose(dir, selector, err);
        Path socket = CountersDirectory.socketFor(target.path());
        AdminResponse reply;
        try {
            reply = AdminClient.send(socket, request);
        } catch (AdminClient.UnreachableException e) {
            err.println("sluice: " + target.name() + " (pid " + target.pid() + "): " + e.getMessage());
            err.flush();
            return 1;
        }
        switch (reply.status()) {
            case OK -> {
                if (!reply.text().isEmpty()) {
                    out.println(reply.text());
                }
                out.flush();
                return 0;
            }
            case ERROR -> {
                err.println("sluice: " + reply.text());
                err.flush();
                return 2;
            }
            default -> {
                err.println("sluice: " + target.name() + " (pid " + target.pid() + ") failed to answer: " + reply.text());
                err.flush();
                return 1;
            }
        }
    }

    /**
     * The running load balancer {@code selector} (a pid, an instance name such as {@code lb-eth0},
     * or an interface name) names, or the only one when it is null. Files of dead instances are
     * removed first, their sockets with them, and said so on {@code err}.
     *
     * @throws Main.UserError when none matches, or several and no selector
     */
    static Instance choose(Path dir, String selector, PrintStream err) {
        for (Instance gone : CountersDirectory.removeStale(dir, System.currentTimeMillis())) {
            err.printf("sluice: removed %s: pid %d (%s) is not running%n", gone.path(), gone.pid(), gone.name());
        }
        List<Instance> running = CountersDirectory.list(dir).stream()
                .filter(Instance::running)
                .filter(i -> i.name().startsWith(PREFIX) || Files.exists(CountersDirectory.socketFor(i.path())))
                .toList();
        List<Instance> chosen = running.stream().filter(i -> selector == null || matches(i, selector)).toList();
        if (chosen.size() == 1) {
            return chosen.getFirst();
        }
        if (chosen.isEmpty()) {
            String which = selector == null ? "" : " matching --instance " + selector;
            String others = running.isEmpty() ? "" : "; running:\n" + list(running);
            throw new Main.UserError("no running sluice lb instance" + which + " (looked in " + dir + ")" + others);
        }
        throw new Main.UserError(chosen.size() + " sluice lb instances are running: choose one with --instance PID|NAME\n"
                + list(chosen));
    }

    /** A pid, the instance's name ({@code lb-eth0}) or its interface's ({@code eth0}). */
    static boolean matches(Instance i, String selector) {
        if (selector.chars().allMatch(Character::isDigit) && !selector.isEmpty()) {
            try {
                return i.pid() == Long.parseLong(selector);
            } catch (NumberFormatException tooLong) {
                return false;
            }
        }
        return i.name().equals(selector) || i.name().equals(PREFIX + selector);
    }

    private static String list(List<Instance> instances) {
        StringBuilder sb = new StringBuilder(String.format("  %-8s %-20s %-19s  %s", "PID", "NAME", "STARTED", "COMMAND"));
        for (Instance i : instances) {
            sb.append('\n').append(String.format("  %-8d %-20s %-19s  %s", i.pid(), i.name(),
                    TIME.format(Instant.ofEpochMilli(i.startTimeMillis())), i.commandLine()));
        }
        return sb.toString();
    }
}
