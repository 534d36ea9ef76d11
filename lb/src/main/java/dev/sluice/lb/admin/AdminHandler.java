package dev.sluice.lb.admin;

/**
 * Answers admin requests; {@link AdminServer} calls it on one of its connection threads, so an
 * implementation is thread-safe. An exception it throws becomes an
 * {@link AdminResponse.Status#INTERNAL_ERROR internal error} reply and a log line, never the end of
 * the server.
 */
@FunctionalInterface
public interface AdminHandler {
    AdminResponse handle(AdminRequest request) throws Exception;
}
