package dev.sluice.sys;

/**
 * What a user should do after a failed call: the one table of advice, keyed by the call and errno.
 * Callers that know more (the interface, the queue) say it in the "doing" part of the message.
 */
final class Remedies {
    private Remedies() {
    }

    static String of(String call, int errno) {
        boolean bpf = call.startsWith("bpf");
        boolean xdpSocket = call.contains("AF_XDP") || call.contains("XDP_");
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> bpf
                    ? (errno == Errno.EACCES && call.contains("PROG_LOAD")
                        ? "the verifier rejected the program (log above)"
                        : "run as root or grant CAP_BPF and CAP_NET_ADMIN")
                    : xdpSocket ? "run as root or grant CAP_NET_RAW (and CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON, CAP_IPC_LOCK)"
                    : call.contains("NETLINK") || call.contains("RTM_") ? "run as root or grant CAP_NET_ADMIN"
                    : "run as root or grant the missing capability";
            case Errno.ENOBUFS, Errno.ENOMEM -> call.contains("XDP_UMEM_REG")
                    ? "the UMEM exceeds the locked-memory limit (RLIMIT_MEMLOCK " + describeMemlock()
                        + "): raise it with 'ulimit -l unlimited', run as root with CAP_IPC_LOCK, or use fewer frames"
                    : "the system is short of memory";
            case Errno.EAFNOSUPPORT -> xdpSocket ? "this kernel has no AF_XDP support: Linux >= 5.10 with CONFIG_XDP_SOCKETS is required" : "";
            case Errno.ENOSYS -> bpf ? "this kernel has no bpf(2): Linux >= 5.10 with CONFIG_BPF_SYSCALL is required" : "";
            case Errno.EOPNOTSUPP -> call.contains("bind") && xdpSocket
                    ? "the driver does not support zero-copy on this interface: use copy mode (it works everywhere)"
                    : "the interface or kernel does not support this";
            case Errno.EBUSY -> call.contains("LINK_CREATE") || call.contains("IFLA_XDP")
                    ? "another XDP program is already attached to the interface: stop the process that holds its bpf_link, "
                        + "or detach a netlink attachment with 'ip link set dev IF xdp off'"
                    : call.contains("bind") ? "another AF_XDP socket is already bound to this interface and queue" : "the resource is in use";
            case Errno.ENODEV -> "no such network interface";
            case Errno.ENOSPC -> bpf ? "the verifier log did not fit; rerun with a larger log buffer" : "";
            case Errno.EMFILE, Errno.ENFILE -> "too many open files: raise 'ulimit -n'";
            case Errno.EAGAIN -> call.contains("netlink") ? "the kernel did not answer the netlink request in time" : "";
            default -> "";
        };
    }

    private static String describeMemlock() {
        try {
            long limit = LibC.memlockLimit();
            return limit == Long.MAX_VALUE ? "unlimited" : (limit / 1024) + " KiB";
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}
