package dev.sluice.systest;

import dev.sluice.sys.Privileges;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * System tests run real AF_XDP sockets in network namespaces: they need root (CAP_NET_ADMIN,
 * CAP_NET_RAW, CAP_BPF, CAP_SYS_ADMIN for setns). Without them a test fails, never skips: a
 * skipped AF_XDP test proves nothing.
 */
final class Privileged {
    private Privileged() {
    }

    static void require() {
        String missing = Privileges.missingForAfXdp();
        if (!Privileges.has(Privileges.CAP_SYS_ADMIN)) {
            missing = (missing + " CAP_SYS_ADMIN").trim();
        }
        if (!missing.isEmpty()) {
            fail("system tests need root (missing " + missing + "): run the test command as root");
        }
    }
}
