package dev.sluice.drivers.xdp;

import dev.sluice.sys.BpfAttrDescriptor;

/**
 * Where the kernel runs an XDP program on an interface.
 *
 * <ul>
 *   <li>{@link #NATIVE}: in the driver, before an skb exists (XDP_FLAGS_DRV_MODE). Fast; the driver
 *       must support it (veth, mlx5, i40e, ice, ixgbe, virtio_net, ...).</li>
 *   <li>{@link #GENERIC}: in the core network stack, after an skb was built (XDP_FLAGS_SKB_MODE).
 *       Works on every interface; AF_XDP then runs in copy mode.</li>
 *   <li>{@link #AUTO}: native if the driver supports it, otherwise generic. Only a request: an
 *       attachment always reports the mode it got.</li>
 * </ul>
 *
 * {@link #toString()} gives the lower-case name that {@code ip link} prints ("native",
 * "generic", "auto").
 */
public enum XdpMode {
    AUTO("auto", 0),
    NATIVE("native", BpfAttrDescriptor.XDP_FLAGS_DRV_MODE),
    GENERIC("generic", BpfAttrDescriptor.XDP_FLAGS_SKB_MODE);

    private final String label;
    private final int flags;

    XdpMode(String label, int flags) {
        this.label = label;
        this.flags = flags;
    }

    /** The XDP_FLAGS_*_MODE bit of LINK_CREATE / IFLA_XDP_FLAGS; 0 for AUTO. */
    int flags() {
        return flags;
    }

    /** The concrete modes to try, in order. */
    XdpMode[] candidates() {
        return this == AUTO ? new XdpMode[] {NATIVE, GENERIC} : new XdpMode[] {this};
    }

    @Override
    public String toString() {
        return label;
    }
}
