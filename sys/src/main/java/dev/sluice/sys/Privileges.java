package dev.sluice.sys;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/** The effective capabilities of this process, read from /proc/self/status (no native call). */
public final class Privileges {
    public static final int CAP_IPC_LOCK = 14;
    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_NET_RAW = 13;
    public static final int CAP_SYS_ADMIN = 21;
    public static final int CAP_PERFMON = 38;
    public static final int CAP_BPF = 39;

    private Privileges() {
    }

    public static boolean has(int capability) {
        BigInteger eff = effective();
        return eff.testBit(capability)
                || ((capability == CAP_BPF || capability == CAP_PERFMON) && eff.testBit(CAP_SYS_ADMIN));
    }

    /**
     * Names of the capabilities AF_XDP needs that this process lacks; empty when it has them all.
     * CAP_PERFMON because Sluice's XDP programs walk headers at offsets known only at run time: without
     * it the verifier refuses pointer arithmetic on packet pointers with a register operand (its
     * Spectre v1 hardening for processes that are not trusted with such arithmetic).
     */
    public static String missingForAfXdp() {
        StringBuilder sb = new StringBuilder();
        if (!has(CAP_NET_RAW)) sb.append(" CAP_NET_RAW");
        if (!has(CAP_NET_ADMIN)) sb.append(" CAP_NET_ADMIN");
        if (!has(CAP_BPF)) sb.append(" CAP_BPF");
        if (!has(CAP_PERFMON)) sb.append(" CAP_PERFMON");
        return sb.toString().trim();
    }

    private static BigInteger effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: treat as no capabilities
        }
        return BigInteger.ZERO;
    }
}
