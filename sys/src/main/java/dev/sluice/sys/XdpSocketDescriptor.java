package dev.sluice.sys;

/**
 * The AF_XDP socket ABI (linux/if_xdp.h, x86-64): constants and the byte layouts of the structs
 * passed to bind/setsockopt/getsockopt. Always pass the full sizes below and check returned lengths:
 * shorter lengths silently select older layouts.
 *
 * <pre>
 * sockaddr_xdp (16)            xdp_umem_reg (32)             xdp_mmap_offsets (128)
 *  0 family    u16 (=44)        0 addr        u64             0 rx         xdp_ring_offset
 *  2 flags     u16              8 len         u64            32 tx         xdp_ring_offset
 *  4 ifindex   u32             16 chunk_size  u32            64 fill       xdp_ring_offset
 *  8 queue_id  u32             20 headroom    u32            96 completion xdp_ring_offset
 * 12 shared_umem_fd u32        24 flags       u32
 *                              28 tx_metadata_len u32        xdp_ring_offset (32)
 * xdp_statistics (48), u64 each:                              0 producer u64   8 consumer u64
 *  0 rx_dropped  8 rx_invalid_descs  16 tx_invalid_descs     16 desc     u64  24 flags    u64
 * 24 rx_ring_full 32 rx_fill_ring_empty_descs 40 tx_ring_empty_descs
 * </pre>
 */
public final class XdpSocketDescriptor {
    public static final int SOL_XDP = 283;

    public static final int XDP_MMAP_OFFSETS = 1;
    public static final int XDP_RX_RING = 2;
    public static final int XDP_TX_RING = 3;
    public static final int XDP_UMEM_REG = 4;
    public static final int XDP_UMEM_FILL_RING = 5;
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    public static final int XDP_STATISTICS = 7;
    public static final int XDP_OPTIONS = 8;
    /** XDP_OPTIONS flag: the socket runs in zero-copy mode. */
    public static final int XDP_OPTIONS_ZEROCOPY = 1;

    public static final long PGOFF_RX_RING = 0L;
    public static final long PGOFF_TX_RING = 0x80000000L;
    public static final long PGOFF_FILL_RING = 0x100000000L;
    public static final long PGOFF_COMPLETION_RING = 0x180000000L;

    /** bind flags. SHARED_UMEM goes alone; ZEROCOPY|COPY is EINVAL. */
    public static final short XDP_SHARED_UMEM = 1;
    public static final short XDP_COPY = 2;
    public static final short XDP_ZEROCOPY = 4;
    public static final short XDP_USE_NEED_WAKEUP = 8;
    public static final short XDP_USE_SG = 16;

    public static final int SOCKADDR_SIZE = 16;
    public static final int SOCKADDR_FAMILY_OFFSET = 0;
    public static final int SOCKADDR_FLAGS_OFFSET = 2;
    public static final int SOCKADDR_IFINDEX_OFFSET = 4;
    public static final int SOCKADDR_QUEUE_ID_OFFSET = 8;
    public static final int SOCKADDR_SHARED_UMEM_FD_OFFSET = 12;

    public static final int UMEM_REG_SIZE = 32;
    public static final int UMEM_REG_ADDR_OFFSET = 0;
    public static final int UMEM_REG_LEN_OFFSET = 8;
    public static final int UMEM_REG_CHUNK_SIZE_OFFSET = 16;
    public static final int UMEM_REG_HEADROOM_OFFSET = 20;
    public static final int UMEM_REG_FLAGS_OFFSET = 24;
    public static final int UMEM_REG_TX_METADATA_LEN_OFFSET = 28;

    public static final int MMAP_OFFSETS_SIZE = 128;
    public static final int MMAP_OFFSETS_RX = 0;
    public static final int MMAP_OFFSETS_TX = 32;
    public static final int MMAP_OFFSETS_FILL = 64;
    public static final int MMAP_OFFSETS_COMPLETION = 96;
    public static final int RING_OFFSET_PRODUCER = 0;
    public static final int RING_OFFSET_CONSUMER = 8;
    public static final int RING_OFFSET_DESC = 16;
    public static final int RING_OFFSET_FLAGS = 24;

    public static final int STATISTICS_SIZE = 48;
    public static final int STAT_RX_DROPPED = 0;
    public static final int STAT_RX_INVALID_DESCS = 8;
    public static final int STAT_TX_INVALID_DESCS = 16;
    public static final int STAT_RX_RING_FULL = 24;
    public static final int STAT_RX_FILL_RING_EMPTY_DESCS = 32;
    public static final int STAT_TX_RING_EMPTY_DESCS = 40;

    /** RX/TX ring entry (xdp_desc, 16 bytes) and FILL/COMPLETION entry (u64). */
    public static final int DESC_SIZE = 16;
    public static final int ADDR_SIZE = 8;

    private XdpSocketDescriptor() {
    }
}
