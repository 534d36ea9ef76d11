package dev.sluice.cli;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.sys.NativeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command line. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "User-space packet processing on AF_XDP, in Java.",
        subcommands = {DemoCommand.class, FwdCommand.class, GenCommand.class, StatCommand.class, CommandLine.HelpCommand.class})
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
        return cli.execute(args);
    }

    /** One clear line for everything a user can cause; a stack trace only for our own bugs. */
    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        Throwable t = e;
        if (t instanceof PortSetupException || t instanceof NativeException || t instanceof IllegalArgumentException
                || t instanceof UserError) {
            cli.getErr().println("sluice: " + t.getMessage());
            return 2;
        }
        cli.getErr().println("sluice: internal error: " + t);
        t.printStackTrace(cli.getErr());
        return 70;
    }

    /** A failure the user can fix, reported as one line. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
