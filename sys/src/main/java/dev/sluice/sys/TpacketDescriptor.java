package dev.sluice.sys;

/**
 * The AF_PACKET socket ABI for memory-mapped rings, TPACKET_V3 (linux/if_packet.h, x86-64):
 * constants and the byte layouts of the structs shared with the kernel. Sizes were read from the
 * UAPI header, laid out by C's natural-alignment rules and are pinned by {@code TpacketLayoutTest}
 * (which also asks the running kernel for {@code sizeof(struct tpacket3_hdr)}).
 *
 * <pre>
 * sockaddr_ll (20)                    tpacket_req3 (28), u32 each
 *  0 sll_family   u16 (=17)            0 tp_block_size       4 tp_block_nr
 *  2 sll_protocol be16                 8 tp_frame_size      12 tp_frame_nr
 *  4 sll_ifindex  i32                 16 tp_retire_blk_tov  20 tp_sizeof_priv
 *  8 sll_hatype   u16                 24 tp_feature_req_word
 * 10 sll_pkttype  u8
 * 11 sll_halen    u8                  tpacket_stats_v3 (12), u32 each
 * 12 sll_addr     u8[8]                0 tp_packets (includes drops)  4 tp_drops  8 tp_freeze_q_cnt
 *
 * packet_mreq (16)                    PACKET_FANOUT argument: one int, id | (type_flags &lt;&lt; 16)
 *  0 mr_ifindex i32  4 mr_type u16  6 mr_alen u16  8 mr_address u8[8]
 * </pre>
 *
 * <h2>RX ring: blocks</h2>
 * The RX ring is {@code tp_block_nr} blocks of {@code tp_block_size} bytes, contiguous in the
 * mapping. The kernel fills one block at a time with variable-length records and hands the whole
 * block to user space by setting {@code block_status} to TP_STATUS_USER (when it is full, or when
 * the retire timer fires on a non-empty block). User space gives it back by storing
 * TP_STATUS_KERNEL. Blocks are filled strictly in ring order; when the next block is still owned
 * by user space the kernel freezes the queue and drops (counted in {@code tp_freeze_q_cnt}).
 *
 * <pre>
 * block (tp_block_size)
 * +------------------------------+----------+----------+-----+----------+----------+
 * | tpacket_block_desc (48)      | record 0 | record 1 | ... | record n | unused   |
 * +------------------------------+----------+----------+-----+----------+----------+
 *                                ^ offset_to_first_pkt   each record: tp_next_offset to the next
 *
 * tpacket_block_desc (48)                 tpacket3_hdr (48), then sockaddr_ll, then the packet
 *  0 version              u32              0 tp_next_offset u32   24 tp_mac  u16 (packet start)
 *  4 offset_to_priv       u32              4 tp_sec         u32   26 tp_net  u16
 *  8 block_status         u32  &lt;- owner     8 tp_nsec        u32   28 hv1.tp_rxhash    u32
 * 12 num_pkts             u32             12 tp_snaplen     u32   32 hv1.tp_vlan_tci  u32
 * 16 offset_to_first_pkt  u32             16 tp_len         u32   36 hv1.tp_vlan_tpid u16
 * 20 blk_len              u32             20 tp_status      u32   38 hv1.tp_padding   u16
 * 24 seq_num              u64                                     40 tp_padding       u8[8]
 * 32 ts_first_pkt {sec u32, nsec u32}
 * 40 ts_last_pkt  {sec u32, nsec u32}
 * </pre>
 *
 * <h2>TX ring: frames</h2>
 * TPACKET_V3 has no block transmit: the TX ring is {@code tp_frame_nr} fixed-size frames (the
 * request's retire timeout, private size and feature word must be 0). The kernel sends frames
 * strictly in ring order, starting from frame 0, each when its {@code tp_status} is
 * TP_STATUS_SEND_REQUEST, and stores TP_STATUS_AVAILABLE once the packet has left (skb freed).
 * Without PACKET_TX_HAS_OFF the packet starts at {@link #TX_DATA_OFFSET} = TPACKET_ALIGN(48);
 * {@code tp_next_offset} must stay 0 (the kernel rejects "variable sized slots").
 *
 * <pre>
 * TX frame (tp_frame_size)
 * +-----------------------------+---------------------------------------+
 * | tpacket3_hdr (48)           | packet (tp_len bytes)                 |
 * +-----------------------------+---------------------------------------+
 *   tp_len @16, tp_status @20     ^ frame + TX_DATA_OFFSET
 * </pre>
 *
 * One mmap (offset 0) covers the RX ring followed by the TX ring; its length must be exactly the
 * sum of both rings' {@code block_size * block_nr}.
 */
public final class TpacketDescriptor {
    public static final int SOL_PACKET = 263;

    /** Socket options (level SOL_PACKET). */
    public static final int PACKET_ADD_MEMBERSHIP = 1;
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_HDRLEN = 11;
    public static final int PACKET_RESERVE = 12;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_LOSS = 14;
    public static final int PACKET_FANOUT = 18;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;

    /** enum tpacket_versions. */
    public static final int TPACKET_V3 = 2;

    /** ETH_P_ALL (linux/if_ether.h), host order; sockets and sockaddr_ll take it in network order. */
    public static final int ETH_P_ALL = 0x0003;
    /** htons(ETH_P_ALL) as the int protocol argument of socket(2) on little-endian x86-64. */
    public static final int ETH_P_ALL_NETWORK_ORDER = 0x0300;

    /** packet_mreq.mr_type. */
    public static final short PACKET_MR_PROMISC = 1;

    /** Fanout modes (PACKET_FANOUT type, bits 16..31 of the option int). */
    public static final int PACKET_FANOUT_HASH = 0;
    public static final int PACKET_FANOUT_LB = 1;
    public static final int PACKET_FANOUT_CPU = 2;
    public static final int PACKET_FANOUT_QM = 5;

    /** RX block and record status bits. */
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_LOSING = 1 << 2;
    public static final int TP_STATUS_BLK_TMO = 1 << 5;

    /** TX frame status values. */
    public static final int TP_STATUS_AVAILABLE = 0;
    public static final int TP_STATUS_SEND_REQUEST = 1;
    public static final int TP_STATUS_SENDING = 1 << 1;
    public static final int TP_STATUS_WRONG_FORMAT = 1 << 2;
    /** A TX frame is still the kernel's while any of these bits is set (timestamp bits may remain). */
    public static final int TP_STATUS_TX_BUSY_MASK = TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING | TP_STATUS_WRONG_FORMAT;

    public static final int TPACKET_ALIGNMENT = 16;

    // sockaddr_ll
    public static final int SOCKADDR_LL_SIZE = 20;
    public static final int SLL_FAMILY_OFFSET = 0;
    public static final int SLL_PROTOCOL_OFFSET = 2;
    public static final int SLL_IFINDEX_OFFSET = 4;
    public static final int SLL_HATYPE_OFFSET = 8;
    public static final int SLL_PKTTYPE_OFFSET = 10;
    public static final int SLL_HALEN_OFFSET = 11;
    public static final int SLL_ADDR_OFFSET = 12;

    // tpacket_req3
    public static final int REQ3_SIZE = 28;
    public static final int REQ3_BLOCK_SIZE_OFFSET = 0;
    public static final int REQ3_BLOCK_NR_OFFSET = 4;
    public static final int REQ3_FRAME_SIZE_OFFSET = 8;
    public static final int REQ3_FRAME_NR_OFFSET = 12;
    public static final int REQ3_RETIRE_BLK_TOV_OFFSET = 16;
    public static final int REQ3_SIZEOF_PRIV_OFFSET = 20;
    public static final int REQ3_FEATURE_REQ_WORD_OFFSET = 24;

    // tpacket_stats_v3
    public static final int STATS_V3_SIZE = 12;
    public static final int STATS_PACKETS_OFFSET = 0;
    public static final int STATS_DROPS_OFFSET = 4;
    public static final int STATS_FREEZE_Q_CNT_OFFSET = 8;

    // packet_mreq
    public static final int MREQ_SIZE = 16;
    public static final int MREQ_IFINDEX_OFFSET = 0;
    public static final int MREQ_TYPE_OFFSET = 4;
    public static final int MREQ_ALEN_OFFSET = 6;
    public static final int MREQ_ADDRESS_OFFSET = 8;

    // tpacket_block_desc (with tpacket_hdr_v1 inlined at offset 8)
    public static final int BLOCK_DESC_SIZE = 48;
    public static final int BLOCK_VERSION_OFFSET = 0;
    public static final int BLOCK_OFFSET_TO_PRIV_OFFSET = 4;
    public static final int BLOCK_STATUS_OFFSET = 8;
    public static final int BLOCK_NUM_PKTS_OFFSET = 12;
    public static final int BLOCK_OFFSET_TO_FIRST_PKT_OFFSET = 16;
    public static final int BLOCK_LEN_OFFSET = 20;
    public static final int BLOCK_SEQ_NUM_OFFSET = 24;
    public static final int BLOCK_TS_FIRST_PKT_OFFSET = 32;
    public static final int BLOCK_TS_LAST_PKT_OFFSET = 40;

    // tpacket3_hdr
    public static final int TPACKET3_HDR_SIZE = 48;
    public static final int TP_NEXT_OFFSET_OFFSET = 0;
    public static final int TP_SEC_OFFSET = 4;
    public static final int TP_NSEC_OFFSET = 8;
    public static final int TP_SNAPLEN_OFFSET = 12;
    public static final int TP_LEN_OFFSET = 16;
    public static final int TP_STATUS_OFFSET = 20;
    public static final int TP_MAC_OFFSET = 24;
    public static final int TP_NET_OFFSET = 26;
    public static final int TP_RXHASH_OFFSET = 28;
    public static final int TP_VLAN_TCI_OFFSET = 32;
    public static final int TP_VLAN_TPID_OFFSET = 36;

    /** TPACKET3_HDRLEN: TPACKET_ALIGN(sizeof(tpacket3_hdr)) + sizeof(sockaddr_ll); the smallest frame. */
    public static final int TPACKET3_HDRLEN = 68;
    /** Where a TX packet starts in its frame: tp_hdrlen - sizeof(sockaddr_ll) = TPACKET_ALIGN(48). */
    public static final int TX_DATA_OFFSET = 48;
    /** BLK_HDR_LEN: the block descriptor rounded to 8; with no private area, the first record starts here. */
    public static final int BLOCK_HEADER_LENGTH = 48;

    private TpacketDescriptor() {
    }

    /** TPACKET_ALIGN(x): rounds up to 16. */
    public static int tpacketAlign(int x) {
        return (x + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1);
    }
}
