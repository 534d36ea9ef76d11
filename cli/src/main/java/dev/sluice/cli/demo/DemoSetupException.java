package dev.sluice.cli.demo;

/**
 * The demo's sandbox cannot be built here: a tool is missing, the kernel or the privileges do not
 * allow a step. Its message is one line saying what is needed; the command reports it as such.
 */
public final class DemoSetupException extends RuntimeException {
    public DemoSetupException(String message) {
        super(message);
    }
}
