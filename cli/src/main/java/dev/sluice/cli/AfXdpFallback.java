package dev.sluice.cli;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.sys.Errno;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Privileges;

import java.util.Optional;

/**
 * The command line's policy after a failure to set up AF_XDP: whether it is one that AF_PACKET
 * would not have, so that {@code sluice fwd} offers {@code --driver afpacket} instead of just
 * failing. A policy of this tool, not of the drivers: a library user decides for itself.
 *
 * <pre>{@code
 * try {
 *     session.run(...);                                           // opens an AfXdpInterface
 * } catch (RuntimeException e) {
 *     if (AfXdpFallback.suggest(e)) {
 *         throw new Main.UserError(AfXdpFallback.message(iface, e));
 *     }
 *     throw e;
 * }
 * }</pre>
 *
 * <p>Suggested (AF_XDP itself is unavailable here, AF_PACKET needs only CAP_NET_RAW):
 * <ul>
 *   <li>the kernel has no AF_XDP sockets (socket(AF_XDP) EAFNOSUPPORT) or no bpf(2) (ENOSYS);</li>
 *   <li>the XDP program cannot be loaded or attached: verifier rejection, or the kernel/driver
 *       refuses XDP on the interface (EINVAL/EOPNOTSUPP from BPF_LINK_CREATE or IFLA_XDP);</li>
 *   <li>the process lacks CAP_BPF, CAP_PERFMON or CAP_NET_ADMIN (but has CAP_NET_RAW);</li>
 *   <li>the UMEM cannot be locked in memory (RLIMIT_MEMLOCK): AF_PACKET rings are not charged to it.</li>
 * </ul>
 * Not suggested, because AF_PACKET would fail the same way or the user must fix something: an
 * unknown interface, missing CAP_NET_RAW, a queue out of range, another XDP program or AF_XDP
 * socket already on the interface (EBUSY), zero-copy forced on a driver without it, bad options.
 *
 * <p>The decision rests on types, never on message text: the first {@link PortSetupException} in
 * the cause chain decides by its {@link PortSetupException.Reason}, a {@link NativeException} by its
 * call and errno.
 */
public final class AfXdpFallback {
    private AfXdpFallback() {
    }

    /** True when {@code afxdpFailure} means AF_XDP is unavailable where AF_PACKET would work. */
    public static boolean suggest(Throwable afxdpFailure) {
        return reason(afxdpFailure).isPresent();
    }

    /**
     * "AF_XDP is not available on IF (REASON): rerun with --driver afpacket"; call only when
     * {@link #suggest} said yes (otherwise the reason reads "unknown").
     */
    public static String message(String ifname, Throwable afxdpFailure) {
        return "AF_XDP is not available on " + ifname + " (" + reason(afxdpFailure).orElse("unknown") + "): rerun with --driver afpacket";
    }

    /**
     * True when the kernel refused to attach the XDP program in every mode that was asked for
     * (the first {@link PortSetupException} of the cause chain says {@code XDP_UNSUPPORTED}): with
     * native mode asked for, generic mode may still work.
     */
    public static boolean xdpRefused(Throwable afxdpFailure) {
        for (Throwable t = afxdpFailure; t != null; t = t.getCause()) {
            if (t instanceof PortSetupException p) {
                return p.reason() == PortSetupException.Reason.XDP_UNSUPPORTED;
            }
        }
        return false;
    }

    /** Why AF_XDP is unavailable, in a few words, or empty when AF_PACKET would not help. */
    public static Optional<String> reason(Throwable afxdpFailure) {
        if (afxdpFailure == null) {
            return Optional.empty();
        }
        boolean netRaw = Privileges.has(Privileges.CAP_NET_RAW);
        if (!netRaw) {
            return Optional.empty(); // AF_PACKET needs CAP_NET_RAW too
        }
        for (Throwable t = afxdpFailure; t != null; t = t.getCause()) {
            if (t instanceof PortSetupException p) {
                return decide(p.reason()); // the driver said what it was: nothing further down overrides that
            }
            if (t instanceof NativeException n) {
                Optional<String> r = classify(n);
                if (r.isPresent() || decisive(n)) {
                    return r;
                }
            }
        }
        return Optional.empty();
    }

    /** No default branch: a new reason does not compile until somebody decides it here. */
    private static Optional<String> decide(PortSetupException.Reason reason) {
        return switch (reason) {
            case PRIVILEGE -> {
                // AF_PACKET needs only CAP_NET_RAW, which we have (checked above)
                String missing = Privileges.missingForAfXdp();
                yield Optional.of(missing.isEmpty() ? "missing privileges" : "missing " + missing.replace(" ", ", "));
            }
            case XDP_UNSUPPORTED -> Optional.of("the kernel or the driver refuses XDP programs on this interface");
            // AF_PACKET rings are not charged to RLIMIT_MEMLOCK
            case LOCKED_MEMORY -> Optional.of("the UMEM exceeds the locked-memory limit (RLIMIT_MEMLOCK)");
            // AF_PACKET would fail the same way, or the user must fix something first
            case UNKNOWN_INTERFACE, QUEUE_OUT_OF_RANGE, INVALID_ARGUMENT, XDP_PROGRAM_PRESENT, ZERO_COPY_UNSUPPORTED -> Optional.empty();
            // failures of the other drivers, not of AF_XDP
            case AF_PACKET_UNSUPPORTED, RINGS_TOO_LARGE, FANOUT_CONFLICT, CAPTURE_FILE -> Optional.empty();
        };
    }

    /** A native failure we recognise either way (so that a cause further down does not override it). */
    private static boolean decisive(NativeException n) {
        int e = n.errno();
        return e == Errno.ENODEV || e == Errno.EBUSY || e == Errno.EEXIST || n.call().startsWith("socket(AF_XDP)");
    }

    private static Optional<String> classify(NativeException n) {
        String call = n.call();
        int e = n.errno();
        if (call.contains("AF_XDP") && call.startsWith("socket") && e == Errno.EAFNOSUPPORT) {
            return Optional.of("this kernel has no AF_XDP sockets");
        }
        if (call.startsWith("bpf")) {
            if (e == Errno.ENOSYS) {
                return Optional.of("this kernel has no bpf(2)");
            }
            if (e == Errno.EPERM) {
                return Optional.of("no permission for bpf(2): CAP_BPF and CAP_NET_ADMIN are missing");
            }
            if (call.contains("PROG_LOAD") && (e == Errno.EACCES || e == Errno.EINVAL)) {
                return Optional.of("the kernel's verifier rejected the XDP program");
            }
            if (call.contains("LINK_CREATE") && (e == Errno.EINVAL || e == Errno.EOPNOTSUPP)) {
                return Optional.of("the kernel or the driver refuses XDP programs on this interface");
            }
        }
        if (call.contains("IFLA_XDP") && (e == Errno.EINVAL || e == Errno.EOPNOTSUPP)) {
            return Optional.of("the driver refuses XDP programs on this interface");
        }
        if (call.contains("XDP_UMEM_REG") && (e == Errno.ENOBUFS || e == Errno.ENOMEM)) {
            return Optional.of("the UMEM exceeds the locked-memory limit (RLIMIT_MEMLOCK)");
        }
        if (call.contains("AF_XDP") && e == Errno.EPERM) {
            return Optional.of("no permission for AF_XDP sockets");
        }
        return Optional.empty();
    }
}
