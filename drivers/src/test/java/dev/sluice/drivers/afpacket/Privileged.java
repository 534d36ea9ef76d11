package dev.sluice.drivers.afpacket;

import dev.sluice.sys.Privileges;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Guard for tests that open AF_PACKET sockets: CAP_NET_RAW. Outside CI a developer without it sees
 * the tests skipped; in CI (env CI=true) a skip would prove nothing, so they fail.
 */
final class Privileged {
    private Privileged() {
    }

    static void requireNetRaw() {
        if (Privileges.has(Privileges.CAP_NET_RAW)) {
            return;
        }
        String message = "this test opens AF_PACKET sockets and needs CAP_NET_RAW: run as root";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + " (CI=true: privileged tests must run, not skip)");
        }
        Assumptions.abort(message);
    }
}
