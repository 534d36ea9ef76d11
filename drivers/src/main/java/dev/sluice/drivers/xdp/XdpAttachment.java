package dev.sluice.drivers.xdp;

import dev.sluice.sys.Bpf;
import dev.sluice.sys.BpfAttrDescriptor;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Netlink;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * An {@link XdpProgram} attached to a network interface; {@link #close()} detaches it.
 *
 * <p>Attaching prefers a <b>bpf_link</b> (BPF_LINK_CREATE): the kernel detaches the program when
 * the link fd closes, which includes the process dying by kill -9 or a crash, so no program is
 * left behind. Kernels without XDP links (EINVAL, ENOSYS or EOPNOTSUPP from every LINK_CREATE
 * attempt) get the older <b>netlink</b> attachment (RTM_SETLINK IFLA_XDP with
 * XDP_FLAGS_UPDATE_IF_NOEXIST). That one belongs to the interface, not to the process:
 * {@link #close()} removes it, but a process killed before closing leaves the program attached
 * and steering traffic until someone runs {@code ip link set dev IF xdp off}.
 *
 * <p>An interface takes one XDP program at a time. Attaching to an interface that already has
 * one fails with a {@link ProgramPresentException} that says which program and how to remove it;
 * Sluice never replaces a program it does not own.
 */
public final class XdpAttachment implements AutoCloseable {
    /** How the program is attached. */
    public enum Mechanism {
        /** A bpf_link: detached when its fd closes, also on a crash. */
        BPF_LINK,
        /** RTM_SETLINK IFLA_XDP: outlives the process; only {@link #close()} removes it. */
        NETLINK
    }

    /** The interface already runs an XDP program (ours are never replaced); the message says how to remove it. */
    public static final class ProgramPresentException extends IllegalStateException {
        ProgramPresentException(String message) {
            super(message);
        }
    }

    /**
     * The kernel or the driver refused every mode tried ("not this way" errnos: no XDP links, no such
     * mode in the driver, no XDP at all); the message lists each attempt and its errno.
     */
    public static final class RefusedException extends IllegalStateException {
        RefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String interfaceName;
    private final int ifindex;
    private final XdpMode mode;
    private final Mechanism mechanism;
    private final int programId;
    private int linkFd;
    private boolean closed;

    private XdpAttachment(String interfaceName, int ifindex, XdpMode mode, Mechanism mechanism, int programId, int linkFd) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.mode = mode;
        this.mechanism = mechanism;
        this.programId = programId;
        this.linkFd = linkFd;
    }

    /**
     * Attaches {@code program} to {@code interfaceName}.
     *
     * @param mode {@link XdpMode#AUTO} tries native, then generic
     * @throws IllegalArgumentException when there is no such interface
     * @throws ProgramPresentException  when the interface already has an XDP program
     * @throws RefusedException         when no requested mode could be attached (the message lists
     *                                  every attempt and its errno)
     * @throws NativeException          for other kernel refusals (privileges, ...)
     */
    public static XdpAttachment attach(XdpProgram program, String interfaceName, XdpMode mode) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(mode, "mode");
        int ifindex = freeInterface(interfaceName);
        List<NativeException> failures = new ArrayList<>();
        XdpAttachment attachment = tryEach(mode, interfaceName, ifindex, failures, candidate -> link(program, interfaceName, ifindex, candidate));
        if (attachment == null) {
            // No bpf_link in any requested mode: an old kernel (no XDP links), or a driver without
            // the mode. Netlink succeeds in the first case and fails the same way in the second.
            attachment = tryEach(mode, interfaceName, ifindex, failures, candidate -> netlink(program, interfaceName, ifindex, candidate));
        }
        if (attachment == null) {
            throw unsupported(interfaceName, mode, failures);
        }
        return attachment;
    }

    /**
     * The netlink attachment alone, as {@link #attach} falls back to it on kernels without XDP
     * links; package-private so that tests exercise it on kernels that have them.
     */
    static XdpAttachment attachNetlink(XdpProgram program, String interfaceName, XdpMode mode) {
        int ifindex = freeInterface(interfaceName);
        List<NativeException> failures = new ArrayList<>();
        XdpAttachment attachment = tryEach(mode, interfaceName, ifindex, failures, candidate -> netlink(program, interfaceName, ifindex, candidate));
        if (attachment == null) {
            throw unsupported(interfaceName, mode, failures);
        }
        return attachment;
    }

    private interface Attempt {
        XdpAttachment attach(XdpMode candidate);
    }

    /**
     * Runs {@code attempt} for each concrete mode of {@code mode} until one succeeds. An
     * "unsupported" failure moves on (and is kept for the message); EBUSY/EEXIST becomes the
     * already-attached message; anything else is thrown as is. Null when every mode failed.
     */
    private static XdpAttachment tryEach(XdpMode mode, String interfaceName, int ifindex, List<NativeException> failures,
                                         Attempt attempt) {
        for (XdpMode candidate : mode.candidates()) {
            try {
                return attempt.attach(candidate);
            } catch (NativeException e) {
                if (isBusy(e)) {
                    throw busy(interfaceName, ifindex, e);
                }
                if (!isUnsupported(e)) {
                    throw e;
                }
                failures.add(e);
            }
        }
        return null;
    }

    private static XdpAttachment link(XdpProgram program, String interfaceName, int ifindex, XdpMode mode) {
        int programId = program.id(); // before the link exists: nothing to leak if it throws
        int linkFd = Bpf.linkCreateXdp(program.fd(), ifindex, mode.flags(), interfaceName);
        return new XdpAttachment(interfaceName, ifindex, mode, Mechanism.BPF_LINK, programId, linkFd);
    }

    private static XdpAttachment netlink(XdpProgram program, String interfaceName, int ifindex, XdpMode mode) {
        int programId = program.id();
        Netlink.setXdp(ifindex, program.fd(), mode.flags() | BpfAttrDescriptor.XDP_FLAGS_UPDATE_IF_NOEXIST, interfaceName);
        return new XdpAttachment(interfaceName, ifindex, mode, Mechanism.NETLINK, programId, -1);
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int ifindex() {
        return ifindex;
    }

    /** The mode actually attached: {@link XdpMode#NATIVE} or {@link XdpMode#GENERIC}, never AUTO. */
    public XdpMode mode() {
        return mode;
    }

    public Mechanism mechanism() {
        return mechanism;
    }

    /** True for a bpf_link (detached with the process), false for a netlink attachment. */
    public boolean usesLink() {
        return mechanism == Mechanism.BPF_LINK;
    }

    /** The kernel id of the attached program. */
    public int programId() {
        return programId;
    }

    /**
     * Detaches the program. Idempotent. A netlink attachment is removed only while the interface
     * still runs our program (by id): one that somebody replaced meanwhile is left alone.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mechanism == Mechanism.BPF_LINK) {
            LibC.close(linkFd); // the last reference to the link: the kernel detaches the program
            linkFd = -1;
            return;
        }
        try {
            Netlink.LinkInfo now = Netlink.link(ifindex);
            if (now.hasXdpProgram() && now.xdpProgId() == programId) {
                Netlink.setXdp(ifindex, -1, mode.flags(), interfaceName);
            }
        } catch (NativeException e) {
            if (e.errno() != Errno.ENODEV) {
                throw e;
            }
            // The interface is gone, and its program with it.
        }
    }

    @Override
    public String toString() {
        return interfaceName + ": program " + programId + " attached " + mode + " via "
                + (usesLink() ? "bpf_link" : "netlink") + (closed ? " (detached)" : "");
    }

    // ------------------------------------------------------------------ errors

    /** The ifindex of {@code interfaceName}, after checking that it runs no XDP program. */
    private static int freeInterface(String interfaceName) {
        int ifindex = ifindex(interfaceName);
        Netlink.LinkInfo info = Netlink.link(ifindex);
        if (info.hasXdpProgram()) {
            throw programPresent(interfaceName, info);
        }
        return ifindex;
    }

    private static int ifindex(String interfaceName) {
        if (interfaceName == null || interfaceName.isEmpty()) {
            throw new IllegalArgumentException("no network interface name given");
        }
        int ifindex = LibC.ifNameToIndex(interfaceName);
        if (ifindex == 0) {
            throw new IllegalArgumentException("no network interface named " + interfaceName + " (see 'ip link')");
        }
        return ifindex;
    }

    /**
     * The one message for an interface that already runs an XDP program, naming the way out. A
     * program held by a bpf_link goes only when its holder closes the link: the message names the
     * processes holding it ({@link BpfLinkHolders}), since {@code ip link set ... xdp off} cannot
     * remove it. Otherwise (a netlink attachment, or a link no process of ours can see) {@code ip
     * link set ... xdp off} removes a native program, {@code xdpgeneric off} a generic one.
     */
    public static ProgramPresentException programPresent(String interfaceName, Netlink.LinkInfo info) {
        String present = "interface " + interfaceName + " already has an XDP program attached (id " + info.xdpProgId()
                + ", mode " + info.xdpModeName() + ")";
        List<BpfLinkHolders.Holder> holders = BpfLinkHolders.ofXdpProgram(info.xdpProgId());
        if (!holders.isEmpty()) {
            String who = holders.stream().map(BpfLinkHolders.Holder::toString).collect(Collectors.joining(", "));
            return new ProgramPresentException(present + " through a bpf_link held by " + who + ": stop "
                    + (holders.size() == 1 ? "that process" : "those processes")
                    + " to detach it ('ip link set ... xdp off' cannot remove a program held by a bpf_link)");
        }
        String detach = info.xdpAttached() == Netlink.XDP_ATTACHED_SKB
                ? "'ip link set dev " + interfaceName + " xdpgeneric off'"
                : "'ip link set dev " + interfaceName + " xdp off' (or xdpgeneric off)";
        return new ProgramPresentException(present + ": detach it with " + detach + ", or stop the program that owns it");
    }

    /** EBUSY/EEXIST: a program appeared between our check and the attach. */
    private static RuntimeException busy(String interfaceName, int ifindex, NativeException e) {
        Netlink.LinkInfo now = Netlink.link(ifindex);
        if (now.hasXdpProgram()) {
            ProgramPresentException clear = programPresent(interfaceName, now);
            clear.initCause(e);
            return clear;
        }
        return e;
    }

    private static boolean isBusy(NativeException e) {
        return e.errno() == Errno.EBUSY || e.errno() == Errno.EEXIST;
    }

    /** The errnos of "not this way": no XDP links in this kernel, or no such mode in this driver. */
    private static boolean isUnsupported(NativeException e) {
        return e.errno() == Errno.EINVAL || e.errno() == Errno.ENOSYS || e.errno() == Errno.EOPNOTSUPP;
    }

    private static RefusedException unsupported(String interfaceName, XdpMode mode, List<NativeException> failures) {
        StringBuilder sb = new StringBuilder("cannot attach an XDP program to ").append(interfaceName)
                .append(" in mode ").append(mode).append(':');
        for (NativeException f : failures) {
            sb.append("\n  ").append(f.call()).append(": ").append(f.errnoName());
        }
        sb.append(mode == XdpMode.NATIVE
                ? "\nthe driver of " + interfaceName + " may lack native XDP: use XdpMode.GENERIC or AUTO"
                : "\nthis kernel may lack XDP support (CONFIG_XDP_SOCKETS, Linux >= 5.10 recommended)");
        RefusedException e = new RefusedException(sb.toString(), failures.getLast());
        failures.subList(0, failures.size() - 1).forEach(e::addSuppressed);
        return e;
    }
}
