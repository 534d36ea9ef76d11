package dev.sluice.sys;

/**
 * Byte offsets inside {@code union bpf_attr} for the bpf(2) commands Sluice uses. The union is
 * passed whole ({@link #SIZE} bytes) and zeroed: the kernel rejects non-zero bytes past the fields a
 * command reads.
 *
 * <pre>
 * BPF_MAP_CREATE                 BPF_MAP_*_ELEM                BPF_PROG_LOAD
 *  0 map_type     u32             0 map_fd   u32                 0 prog_type   u32
 *  4 key_size     u32             8 key      u64 (pointer)       4 insn_cnt    u32
 *  8 value_size   u32            16 value    u64 (pointer)       8 insns       u64 (pointer)
 * 12 max_entries  u32            24 flags    u64                16 license     u64 (pointer)
 * 16 map_flags    u32                                           24 log_level   u32
 * 28 map_name     char[16]       BPF_LINK_CREATE                28 log_size    u32
 *                                 0 prog_fd        u32          32 log_buf     u64 (pointer)
 * BPF_PROG_TEST_RUN               4 target_ifindex u32          44 prog_flags  u32
 *  0 prog_fd      u32             8 attach_type    u32          48 prog_name   char[16]
 *  4 retval       u32            12 flags          u32
 *  8 data_size_in u32
 * 12 data_size_out u32           BPF_OBJ_GET_INFO_BY_FD
 * 16 data_in      u64 (pointer)   0 bpf_fd   u32
 * 24 data_out     u64 (pointer)   4 info_len u32
 * 32 repeat       u32             8 info     u64 (pointer)
 * 36 duration     u32
 * </pre>
 */
public final class BpfAttrDescriptor {
    public static final int SIZE = 144;
    public static final int OBJ_NAME_LEN = 16;

    public static final int CMD_MAP_CREATE = 0;
    public static final int CMD_MAP_LOOKUP_ELEM = 1;
    public static final int CMD_MAP_UPDATE_ELEM = 2;
    public static final int CMD_MAP_DELETE_ELEM = 3;
    public static final int CMD_PROG_LOAD = 5;
    public static final int CMD_PROG_TEST_RUN = 10;
    public static final int CMD_OBJ_GET_INFO_BY_FD = 15;
    public static final int CMD_LINK_CREATE = 28;

    public static final int MAP_TYPE_OFFSET = 0;
    public static final int KEY_SIZE_OFFSET = 4;
    public static final int VALUE_SIZE_OFFSET = 8;
    public static final int MAX_ENTRIES_OFFSET = 12;
    public static final int MAP_FLAGS_OFFSET = 16;
    public static final int MAP_NAME_OFFSET = 28;

    public static final int ELEM_MAP_FD_OFFSET = 0;
    public static final int ELEM_KEY_OFFSET = 8;
    public static final int ELEM_VALUE_OFFSET = 16;
    public static final int ELEM_FLAGS_OFFSET = 24;

    public static final int PROG_TYPE_OFFSET = 0;
    public static final int INSN_CNT_OFFSET = 4;
    public static final int INSNS_OFFSET = 8;
    public static final int LICENSE_OFFSET = 16;
    public static final int LOG_LEVEL_OFFSET = 24;
    public static final int LOG_SIZE_OFFSET = 28;
    public static final int LOG_BUF_OFFSET = 32;
    public static final int PROG_FLAGS_OFFSET = 44;
    public static final int PROG_NAME_OFFSET = 48;

    public static final int LINK_PROG_FD_OFFSET = 0;
    public static final int LINK_TARGET_IFINDEX_OFFSET = 4;
    public static final int LINK_ATTACH_TYPE_OFFSET = 8;
    public static final int LINK_FLAGS_OFFSET = 12;

    public static final int TEST_PROG_FD_OFFSET = 0;
    public static final int TEST_RETVAL_OFFSET = 4;
    public static final int TEST_DATA_SIZE_IN_OFFSET = 8;
    public static final int TEST_DATA_SIZE_OUT_OFFSET = 12;
    public static final int TEST_DATA_IN_OFFSET = 16;
    public static final int TEST_DATA_OUT_OFFSET = 24;
    public static final int TEST_REPEAT_OFFSET = 32;

    public static final int INFO_BPF_FD_OFFSET = 0;
    public static final int INFO_LEN_OFFSET = 4;
    public static final int INFO_PTR_OFFSET = 8;

    public static final int MAP_TYPE_HASH = 1;
    public static final int MAP_TYPE_ARRAY = 2;
    public static final int MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int MAP_TYPE_XSKMAP = 17;
    public static final int PROG_TYPE_XDP = 6;
    public static final int ATTACH_TYPE_XDP = 37;
    /** LINK_CREATE / IFLA_XDP flags. */
    public static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    public static final int XDP_FLAGS_SKB_MODE = 2;
    public static final int XDP_FLAGS_DRV_MODE = 4;
    /** prog_flags: the program accepts multi-buffer frames. */
    public static final int F_XDP_HAS_FRAGS = 1 << 5;
    public static final long ANY = 0;

    private BpfAttrDescriptor() {
    }
}
