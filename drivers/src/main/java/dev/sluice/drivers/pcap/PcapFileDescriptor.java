package dev.sluice.drivers.pcap;

/**
 * Layout of a classic pcap file (libpcap format, version 2.4): one file header, then records
 * back to back, each a record header followed by {@code incl_len} packet bytes. All fields are in
 * the byte order of the writer; the magic tells which, and whether {@code ts_frac} counts
 * microseconds or nanoseconds.
 *
 * <pre>
 *  File header (24 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                            magic                              |  0
 *  +-------------------------------+-------------------------------+
 *  |        version_major (2)      |        version_minor (4)      |  4
 *  +-------------------------------+-------------------------------+
 *  |                   thiszone (0, unused)                        |  8
 *  +---------------------------------------------------------------+
 *  |                   sigfigs (0, unused)                         | 12
 *  +---------------------------------------------------------------+
 *  |                   snaplen (max incl_len)                      | 16
 *  +---------------------------------------------------------------+
 *  |  FCS len | flags |          link type (low 16 bits)           | 20
 *  +---------------------------------------------------------------+
 *
 *  Record header (16 bytes), followed by incl_len bytes of packet data
 *  +---------------------------------------------------------------+
 *  |                   ts_sec (unsigned seconds since 1970)        |  0
 *  +---------------------------------------------------------------+
 *  |                   ts_frac (usec or nsec, by the magic)        |  4
 *  +---------------------------------------------------------------+
 *  |                   incl_len (bytes captured, in the file)      |  8
 *  +---------------------------------------------------------------+
 *  |                   orig_len (bytes on the wire)                | 12
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The magic is written in the writer's byte order, so reading it as little-endian yields
 * {@link #MAGIC_MICROS} or {@link #MAGIC_NANOS} for a little-endian file and their byte-swapped
 * values for a big-endian one.
 */
final class PcapFileDescriptor {
    /** Microsecond timestamps: bytes d4 c3 b2 a1 in a little-endian file, a1 b2 c3 d4 in a big-endian one. */
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    /** Nanosecond timestamps: bytes 4d 3c b2 a1 (little-endian) or a1 b2 3c 4d (big-endian). */
    static final int MAGIC_NANOS = 0xa1b23c4d;
    static final int VERSION_MAJOR = 2;
    static final int VERSION_MINOR = 4;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_MAJOR_OFFSET = 4;
    static final int VERSION_MINOR_OFFSET = 6;
    static final int THISZONE_OFFSET = 8;
    static final int SIGFIGS_OFFSET = 12;
    static final int SNAPLEN_OFFSET = 16;
    static final int LINKTYPE_OFFSET = 20;
    static final int FILE_HEADER_LENGTH = 24;
    /** The link type proper; the upper bits carry the FCS length and flags (pcap spec, section 4). */
    static final int LINKTYPE_MASK = 0xffff;

    static final int TS_SEC_OFFSET = 0;
    static final int TS_FRAC_OFFSET = 4;
    static final int INCL_LEN_OFFSET = 8;
    static final int ORIG_LEN_OFFSET = 12;
    static final int RECORD_HEADER_LENGTH = 16;

    private PcapFileDescriptor() {
    }
}
