package dev.sluice.testing;

import dev.sluice.sys.Privileges;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one policy for tests that need a capability or an external tool. In CI (env {@code CI=true})
 * a missing one FAILS the test, because a skipped test there proves nothing; elsewhere the test is
 * skipped (aborted) with a message that says what is missing and why the test needs it, so a
 * developer without root still runs everything else.
 */
public final class Privileged {
    private Privileged() {
    }

    /**
     * Requires every capability in {@code capabilities} (the {@link Privileges} constants).
     *
     * @param why what the test does that needs them, e.g. "loads XDP programs"
     */
    public static void require(String why, int... capabilities) {
        List<String> missing = new ArrayList<>();
        for (int c : capabilities) {
            if (!Privileges.has(c)) {
                missing.add(name(c));
            }
        }
        if (!missing.isEmpty()) {
            unavailable("this test " + why + " and needs " + String.join(", ", missing) + ": run it as root");
        }
    }

    /** Requires the capabilities AF_XDP needs (CAP_NET_RAW, CAP_NET_ADMIN, CAP_BPF). */
    public static void requireAfXdp(String why) {
        require(why, Privileges.CAP_NET_RAW, Privileges.CAP_NET_ADMIN, Privileges.CAP_BPF);
    }

    /** Requires root's capabilities for tests that make network namespaces and enter them (setns). */
    public static void requireNamespaces(String why) {
        require(why, Privileges.CAP_NET_RAW, Privileges.CAP_NET_ADMIN, Privileges.CAP_BPF, Privileges.CAP_SYS_ADMIN);
    }

    /** Requires an executable {@code tool} on the PATH. */
    public static void requireTool(String tool, String why) {
        if (!onPath(tool)) {
            unavailable("this test " + why + " and needs '" + tool + "' on the PATH: install it");
        }
    }

    /** Whether an executable named {@code tool} is on the PATH. */
    public static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this run is in CI, where nothing may be skipped for want of a privilege or tool. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static void unavailable(String message) {
        if (inCi()) {
            Assertions.fail(message + " (CI=true: such tests must run, not skip)");
        }
        Assumptions.abort(message);
    }

    private static String name(int capability) {
        return switch (capability) {
            case Privileges.CAP_IPC_LOCK -> "CAP_IPC_LOCK";
            case Privileges.CAP_NET_ADMIN -> "CAP_NET_ADMIN";
            case Privileges.CAP_NET_RAW -> "CAP_NET_RAW";
            case Privileges.CAP_SYS_ADMIN -> "CAP_SYS_ADMIN";
            case Privileges.CAP_BPF -> "CAP_BPF";
            default -> "capability " + capability;
        };
    }
}
