package dev.sluice.drivers.xdp;

import dev.sluice.sys.Privileges;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Guard for tests that need the kernel: CAP_BPF and CAP_NET_ADMIN. Outside CI a developer without
 * them sees the tests skipped; in CI (env CI=true) a skip would prove nothing, so they fail.
 */
final class Privileged {
    private Privileged() {
    }

    static void require() {
        StringBuilder missing = new StringBuilder();
        if (!Privileges.has(Privileges.CAP_BPF)) {
            missing.append(" CAP_BPF");
        }
        if (!Privileges.has(Privileges.CAP_NET_ADMIN)) {
            missing.append(" CAP_NET_ADMIN");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "this test loads XDP programs and needs" + missing + ": run as root";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + " (CI=true: privileged tests must run, not skip)");
        }
        Assumptions.abort(message);
    }
}
