package dev.sluice.lb.admin;

import java.util.List;
import java.util.Objects;

/**
 * One admin request: a command and its arguments, each one line on the wire (so none holds a line
 * break), as many as the command takes.
 */
public record AdminRequest(AdminCommand command, List<String> arguments) {
    public AdminRequest {
        Objects.requireNonNull(command, "command");
        arguments = List.copyOf(arguments);
        if (arguments.size() < command.minArguments() || arguments.size() > command.maxArguments()) {
            throw new IllegalArgumentException("'" + command.usage() + "' takes " + arity(command) + ", not "
                    + arguments.size());
        }
        for (String a : arguments) {
            if (a.isEmpty() || a.indexOf('\n') >= 0 || a.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("an argument of '" + command.word()
                        + "' must be one non-empty line: '" + a.replace("\n", "\\n").replace("\r", "\\r") + "'");
            }
        }
    }

    public static AdminRequest of(AdminCommand command, String... arguments) {
        return new AdminRequest(command, List.of(arguments));
    }

    /** The one argument of a command that takes one, or null when it has none. */
    public String argument() {
        return arguments.isEmpty() ? null : arguments.getFirst();
    }

    private static String arity(AdminCommand c) {
        if (c.minArguments() == c.maxArguments()) {
            return c.minArguments() == 1 ? "one argument" : c.minArguments() + " arguments";
        }
        return c.minArguments() + " to " + c.maxArguments() + " arguments";
    }
}
