package dev.sluice.drivers.pcap;

/**
 * Layout of the pcapng blocks Sluice reads (draft-ietf-opsawg-pcapng). A file is a sequence of
 * blocks; every block starts with its type and total length and ends with the same length again,
 * and every length is a multiple of 4. A file holds one or more sections, each opened by a Section
 * Header Block whose byte-order magic sets the byte order of every block up to the next section.
 * Interface ids count the Interface Description Blocks of the current section from 0.
 *
 * <pre>
 *  Generic block
 *  +---------------------------------------------------------------+
 *  |                        block type                             |  0
 *  +---------------------------------------------------------------+
 *  |                   block total length (L)                      |  4
 *  +---------------------------------------------------------------+
 *  /                   body (L - 12 bytes)                         /  8
 *  +---------------------------------------------------------------+
 *  |                   block total length (L)                      |  L-4
 *  +---------------------------------------------------------------+
 *
 *  Section Header Block (type 0x0A0D0D0A, a palindrome: readable in either byte order)
 *   8: byte-order magic 0x1A2B3C4D   12: major (1) u16   14: minor u16
 *  16: section length i64 (-1: unknown)   24: options ...
 *
 *  Interface Description Block (type 1)
 *   8: link type u16   10: reserved u16   12: snaplen u32 (0: no limit)   16: options ...
 *      option if_tsresol (9, 1 byte): bit 7 clear: units of 10^-n s; set: 2^-n s; default 10^-6
 *      option if_tsoffset (14, 8 bytes): seconds added to every timestamp
 *
 *  Enhanced Packet Block (type 6)
 *   8: interface id u32   12: timestamp high u32   16: timestamp low u32
 *  20: captured length u32   24: original length u32   28: data, padded to 4   ...: options
 *
 *  Obsolete Packet Block (type 2): as the EPB, but 8: interface id u16, 10: drops u16
 *
 *  Simple Packet Block (type 3): interface 0, no timestamp
 *   8: original length u32   12: data, padded to 4; captured = min(original, snaplen, L - 16)
 *
 *  Option (inside a block body, each padded to 4 bytes)
 *  +-------------------------------+-------------------------------+
 *  |         option code           |        option length          |
 *  +-------------------------------+-------------------------------+
 *  /                value (length bytes, padded to 4)              /
 *  +---------------------------------------------------------------+
 *  Code 0 (opt_endofopt) ends the list.
 * </pre>
 */
final class PcapngDescriptor {
    static final int TYPE_OFFSET = 0;
    static final int LENGTH_OFFSET = 4;
    static final int BODY_OFFSET = 8;
    /** Type, leading length and trailing length. */
    static final int BLOCK_OVERHEAD = 12;

    static final int SECTION_HEADER_BLOCK = 0x0A0D0D0A;
    static final int INTERFACE_DESCRIPTION_BLOCK = 0x00000001;
    static final int OBSOLETE_PACKET_BLOCK = 0x00000002;
    static final int SIMPLE_PACKET_BLOCK = 0x00000003;
    static final int ENHANCED_PACKET_BLOCK = 0x00000006;

    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int SHB_MAGIC_OFFSET = 8;
    static final int SHB_MAJOR_OFFSET = 12;
    static final int SHB_MINOR_OFFSET = 14;
    static final int SHB_SECTION_LENGTH_OFFSET = 16;
    static final int SHB_MIN_LENGTH = 28;
    static final int VERSION_MAJOR = 1;

    static final int IDB_LINKTYPE_OFFSET = 8;
    static final int IDB_SNAPLEN_OFFSET = 12;
    static final int IDB_OPTIONS_OFFSET = 16;
    static final int IDB_MIN_LENGTH = 20;

    static final int EPB_INTERFACE_OFFSET = 8;
    static final int EPB_TS_HIGH_OFFSET = 12;
    static final int EPB_TS_LOW_OFFSET = 16;
    static final int EPB_CAPTURED_OFFSET = 20;
    static final int EPB_ORIGINAL_OFFSET = 24;
    static final int EPB_DATA_OFFSET = 28;
    static final int EPB_MIN_LENGTH = 32;

    static final int SPB_ORIGINAL_OFFSET = 8;
    static final int SPB_DATA_OFFSET = 12;
    static final int SPB_MIN_LENGTH = 16;

    static final int OPTION_HEADER_LENGTH = 4;
    static final int OPT_ENDOFOPT = 0;
    static final int IF_TSRESOL = 9;
    static final int IF_TSOFFSET = 14;
    /** if_tsresol when the option is absent: microseconds. */
    static final int DEFAULT_TSRESOL = 6;
    /** if_tsresol bit 7: the rest is a power of 2, not of 10. */
    static final int TSRESOL_BINARY = 0x80;

    private PcapngDescriptor() {
    }

    /** {@code n} rounded up to a multiple of 4 (block data and option values are padded so). */
    static long padded(long n) {
        return (n + 3) & ~3L;
    }
}
