package dev.sluice.drivers.xdp;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.sys.BpfAttrDescriptor;
import dev.sluice.sys.Bpf;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Netlink;

/**
 * An XDP program attached to an interface. Preferably through a bpf_link, which the kernel
 * detaches when its fd closes, including when the process dies ({@code kill -9}); through netlink
 * (IFLA_XDP) only where bpf_link is unsupported, and then detached by {@link #close()} alone: such
 * an attachment survives a crash of the process.
 */
public final class XdpAttachment implements AutoCloseable {
    private final String ifname;
    private final int ifindex;
    private final int linkFd;
    private final int netlinkFlags;
    private final XdpMode mode;
    private boolean closed;

    private XdpAttachment(String ifname, int ifindex, int linkFd, int netlinkFlags, XdpMode mode) {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.linkFd = linkFd;
        this.netlinkFlags = netlinkFlags;
        this.mode = mode;
    }

    /**
     * Attaches {@code program} to {@code ifname}. AUTO tries native first, then generic.
     *
     * @throws PortSetupException when the interface is unknown or already has a program
     */
    public static XdpAttachment attach(XdpProgram program, String ifname, XdpMode mode) {
        int ifindex = LibC.ifNameToIndex(ifname);
        if (ifindex == 0) {
            throw new PortSetupException("no network interface named '" + ifname + "' (see 'ip link')");
        }
        Netlink.LinkInfo link = Netlink.link(ifindex);
        if (link.hasXdpProgram()) {
            throw alreadyAttached(ifname, link);
        }
        XdpMode[] tries = switch (mode) {
            case AUTO -> new XdpMode[] {XdpMode.NATIVE, XdpMode.GENERIC};
            case NATIVE -> new XdpMode[] {XdpMode.NATIVE};
            case GENERIC -> new XdpMode[] {XdpMode.GENERIC};
        };
        NativeException last = null;
        for (XdpMode m : tries) {
            int flags = m == XdpMode.NATIVE ? BpfAttrDescriptor.XDP_FLAGS_DRV_MODE : BpfAttrDescriptor.XDP_FLAGS_SKB_MODE;
            try {
                int fd = Bpf.linkCreateXdp(program.fd(), ifindex, flags, ifname);
                return new XdpAttachment(ifname, ifindex, fd, 0, m);
            } catch (NativeException e) {
                last = e;
                if (e.errno() == Errno.EBUSY || e.errno() == Errno.EEXIST) {
                    throw alreadyAttached(ifname, Netlink.link(ifindex));
                }
                if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOSYS || e.errno() == Errno.EOPNOTSUPP) {
                    // Old kernel without bpf_link for XDP (< 5.9), or a driver without this mode:
                    // netlink may still work for this mode.
                    try {
                        int nlFlags = flags | BpfAttrDescriptor.XDP_FLAGS_UPDATE_IF_NOEXIST;
                        Netlink.setXdp(ifindex, program.fd(), nlFlags, ifname);
                        return new XdpAttachment(ifname, ifindex, -1, nlFlags, m);
                    } catch (NativeException ne) {
                        last = ne;
                    }
                }
            }
        }
        throw last;
    }

    private static PortSetupException alreadyAttached(String ifname, Netlink.LinkInfo link) {
        return new PortSetupException("interface " + ifname + " already has an XDP program attached (id " + link.xdpProgId()
                + ", " + link.xdpModeName() + " mode): detach it with 'ip link set dev " + ifname
                + (link.xdpAttached() == Netlink.XDP_ATTACHED_SKB ? " xdpgeneric" : " xdp")
                + " off', or stop the program that owns it");
    }

    /** "native" or "generic". */
    public String modeName() {
        return mode == XdpMode.NATIVE ? "native" : "generic";
    }

    public XdpMode mode() {
        return mode;
    }

    /** True when attached through a bpf_link (detached by the kernel if the process dies). */
    public boolean viaLink() {
        return linkFd >= 0;
    }

    public String interfaceName() {
        return ifname;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (linkFd >= 0) {
            LibC.close(linkFd);
        } else {
            Netlink.setXdp(ifindex, -1, netlinkFlags & ~BpfAttrDescriptor.XDP_FLAGS_UPDATE_IF_NOEXIST, ifname);
        }
    }
}
