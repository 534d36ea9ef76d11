package dev.sluice.sys;

/**
 * A failed system call, with the call, the errno by name and what the user can do about it.
 * Thrown only at setup; the data path reports failures as counters, never as exceptions.
 *
 * <p>Message shape: {@code EPERM creating the XDP program (bpf BPF_PROG_LOAD): run as root or
 * grant CAP_BPF and CAP_NET_ADMIN}.
 */
public final class NativeException extends RuntimeException {
    private final String call;
    private final int errno;

    public NativeException(String call, int errno, String doing, String remedy) {
        super(message(call, errno, doing, remedy));
        this.call = call;
        this.errno = errno;
    }

    private static String message(String call, int errno, String doing, String remedy) {
        StringBuilder sb = new StringBuilder(Errno.name(errno));
        if (doing != null && !doing.isEmpty()) {
            sb.append(' ').append(doing).append(" (").append(call).append(')');
        } else {
            sb.append(" in ").append(call);
        }
        String what = Errno.describe(errno);
        if (!what.isEmpty()) {
            sb.append(" [").append(what).append(']');
        }
        if (remedy != null && !remedy.isEmpty()) {
            sb.append(": ").append(remedy);
        }
        return sb.toString();
    }

    /** The system call that failed, e.g. {@code setsockopt(XDP_UMEM_REG)}. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }
}
