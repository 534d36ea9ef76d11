package dev.sluice.lb.config;

import java.nio.file.Path;

/**
 * A configuration the user must fix. {@link #getMessage()} is one line that names the place and says
 * what is allowed: {@code lb.yaml:7:16: vips[0].backends[1].weight: 70000 is out of range 0..65535}.
 * Line and column count from 1; they are 0 when the problem has no position (an unreadable file).
 */
public final class ConfigException extends RuntimeException {
    private final Path file;
    private final int line;
    private final int column;
    private final String keyPath;
    private final String problem;

    /**
     * @param file    the file, as the user named it
     * @param line    1-based, or 0 when unknown
     * @param column  1-based, or 0 when unknown
     * @param keyPath where in the file ({@code vips[0].port}); empty for the file as a whole
     * @param problem what is wrong and what is allowed, one line
     */
    public ConfigException(Path file, int line, int column, String keyPath, String problem) {
        super(format(file, line, column, keyPath, problem));
        this.file = file;
        this.line = line;
        this.column = column;
        this.keyPath = keyPath;
        this.problem = problem;
    }

    private static String format(Path file, int line, int column, String keyPath, String problem) {
        StringBuilder s = new StringBuilder().append(file);
        if (line > 0) {
            s.append(':').append(line).append(':').append(column);
        }
        s.append(": ");
        if (!keyPath.isEmpty()) {
            s.append(keyPath).append(": ");
        }
        return s.append(problem).toString();
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** {@code vips[0].backends[1].weight}; empty for the file as a whole. */
    public String keyPath() {
        return keyPath;
    }

    /** The message without its position and key path. */
    public String problem() {
        return problem;
    }
}
