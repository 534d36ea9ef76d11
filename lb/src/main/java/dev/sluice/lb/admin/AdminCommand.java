package dev.sluice.lb.admin;

import java.util.Locale;
import java.util.Optional;

/** What an admin request asks, its word on the wire and how many argument lines it takes. */
public enum AdminCommand {
    /** The VIPs, backends, health, flows and rates; no argument. */
    STATUS(0, 0, ""),
    /** Reloads the configuration: the file given (an absolute path), else the one the balancer runs. */
    RELOAD(0, 1, "[FILE]"),
    /** No new flows to a backend (every VIP holding it); established flows stay. */
    DRAIN(1, 1, "BACKEND"),
    /** Undoes a drain. */
    UNDRAIN(1, 1, "BACKEND");

    private final int minArguments;
    private final int maxArguments;
    private final String usage;

    AdminCommand(int minArguments, int maxArguments, String usage) {
        this.minArguments = minArguments;
        this.maxArguments = maxArguments;
        this.usage = usage;
    }

    /** The command's word in a request: its name in lower case. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int minArguments() {
        return minArguments;
    }

    public int maxArguments() {
        return maxArguments;
    }

    /** The command line as a person would type it, e.g. {@code drain BACKEND}. */
    public String usage() {
        return usage.isEmpty() ? word() : word() + " " + usage;
    }

    /** The command whose word is {@code word} (exactly, lower case). */
    public static Optional<AdminCommand> of(String word) {
        for (AdminCommand c : values()) {
            if (c.word().equals(word)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
