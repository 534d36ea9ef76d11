package dev.sluice.drivers.xdp;

/** Where an XDP program runs: in the driver (native), in the generic SKB path, or the best available. */
public enum XdpMode {
    /** Native when the driver supports it, generic otherwise. */
    AUTO,
    /** In the driver, before an skb exists (XDP_FLAGS_DRV_MODE). */
    NATIVE,
    /** After the skb is built (XDP_FLAGS_SKB_MODE); works on every interface. */
    GENERIC
}
