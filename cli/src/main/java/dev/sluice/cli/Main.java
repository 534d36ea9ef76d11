package dev.sluice.cli;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.lb.config.ConfigException;
import dev.sluice.lb.control.LbSetupException;
import dev.sluice.sys.NativeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code sluice} command line. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "User-space packet processing on AF_XDP, in Java.",
        subcommands = {DemoCommand.class, FwdCommand.class, GenCommand.class, StatCommand.class, LbCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this directly). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setParameterExceptionHandler(Main::misused);
        return cli.execute(args);
    }

    /** A command line picocli cannot parse (unknown option, not a number, missing value): one line, exit 2. */
    private static int misused(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        String message = e.getMessage().strip().replaceAll("\\s*\\R\\s*", "; ");
        cli.getErr().println("sluice: " + message + " (see '" + cli.getCommandSpec().qualifiedName() + " --help')");
        cli.getErr().flush();
        return 2;
    }

    /** One clear line for everything a user can cause; a stack trace only for our own bugs. */
    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        return report(e, cli.getErr());
    }

    /**
     * Prints what ended a command and returns the exit code: 2 and one line for a failure the user
     * can fix ({@link UserError}, an invalid configuration file, a port that cannot be set up, a
     * system call the system refused),
     * 70 and the stack trace for anything else. An {@link IllegalArgumentException} is ours: the
     * commands check every value a user gives before they use it, and say so with a UserError.
     */
    static int report(Throwable t, PrintWriter err) {
        if (t instanceof UserError || t instanceof ConfigException || t instanceof LbSetupException
                || t instanceof PortSetupException || t instanceof NativeException) {
            err.println("sluice: " + t.getMessage());
            err.flush();
            return 2;
        }
        err.println("sluice: internal error: " + t);
        t.printStackTrace(err);
        err.flush();
        return 70;
    }

    /** A failure the user can fix (a bad option value, a missing privilege), reported as one line. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
