package dev.sluice.drivers.xdp;

/**
 * The XDP program context {@code struct xdp_md} as a program sees it in R1. Every field is read
 * with a 4-byte load; the verifier rewrites {@code data} and {@code data_end} loads into packet
 * pointers, and a packet access is accepted only after comparing the pointer (plus the access
 * length) against {@code data_end}.
 *
 * <pre>
 *   0 data             u32   first byte of the frame
 *   4 data_end         u32   one past the last byte
 *   8 data_meta        u32
 *  12 ingress_ifindex  u32
 *  16 rx_queue_index   u32   the RX queue the frame arrived on: the XSKMAP key
 *  20 egress_ifindex   u32
 * </pre>
 */
public final class XdpMdDescriptor {
    public static final int DATA_OFFSET = 0;
    public static final int DATA_END_OFFSET = 4;
    public static final int DATA_META_OFFSET = 8;
    public static final int INGRESS_IFINDEX_OFFSET = 12;
    public static final int RX_QUEUE_INDEX_OFFSET = 16;
    public static final int EGRESS_IFINDEX_OFFSET = 20;
    public static final int SIZE = 24;

    private XdpMdDescriptor() {
    }
}
