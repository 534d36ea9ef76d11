package dev.sluice.counters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The layout of a counters file ({@code <run dir>/<pid>-<name>.counters}), the one place it is
 * written down. Little-endian (the host's order: writer and readers share a machine).
 *
 * <pre>
 *  Header (1024 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  magic "SLUICECT" (u64), release                |    0
 *  +-------------------------------+-------------------------------+
 *  |     layout version (u32)      |      header length (u32)      |    8
 *  +-------------------------------+-------------------------------+
 *  |                          pid (u64)                            |   16
 *  |               start time, epoch milliseconds (u64)            |   24
 *  |    heartbeat, epoch milliseconds (u64), owner: every second   |   32
 *  +-------------------------------+-------------------------------+
 *  |  capacity: max counters (u32) | allocated counters (u32), rel.|   40
 *  |     metadata offset (u32)     |      values offset (u32)      |   48
 *  |      values length (u32)      |          reserved             |   56
 *  +-------------------------------+-------------------------------+
 *  | instance name length (u32)    | instance name, UTF-8 (124)   ...|   64
 *  | command line length (u32)     | command line, UTF-8 (828)    ...|  192
 *  +---------------------------------------------------------------+
 *  Metadata: capacity records of 256 bytes, from metadata offset; record i describes counter i
 *  +-------------------------------+-------------------------------+
 *  |  state (u32): 0 free,         |  type id (u32): 1 counter,    |    0
 *  |  1 allocated; release, last   |  2 gauge                      |
 *  +-------------------------------+-------------------------------+
 *  |          value offset (u64), from the start of the file         |    8
 *  +-------------------------------+-------------------------------+
 *  | owner length (u32)            | owner, UTF-8 (124), e.g.     ...|   16
 *  |                               | "port afxdp:eth0/0", "worker 1"   |
 *  | name length (u32)             | name, UTF-8 (108), e.g.      ...|  144
 *  |                               | "rx_packets"                      |
 *  +---------------------------------------------------------------+
 *  Values: u64 slots from values offset. The counters of one group (one owner, allocated
 *  together) are contiguous; every group starts on its own 128-byte line, so that two writer
 *  threads never share a cache line (nor the adjacent line the prefetcher pairs with it).
 * </pre>
 *
 * <p>Ordering: the creator writes the header, then the magic with a release store; an allocation
 * fills a record with plain stores, then its state and the allocated count with release stores;
 * readers load magic, allocated count and state with acquire. Values and the heartbeat are plain
 * data with a single writer each: opaque stores and opaque loads (whole values, per-counter order,
 * no fence). The same instructions order accesses across processes sharing the pages.
 */
public final class CountersDescriptor {
    /** "SLUICECT" read as a little-endian u64. */
    public static final long MAGIC = 0x544345434955_4C53L;
    public static final int LAYOUT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int LAYOUT_VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int START_TIME_OFFSET = 24;
    public static final int HEARTBEAT_OFFSET = 32;
    public static final int CAPACITY_OFFSET = 40;
    public static final int ALLOCATED_OFFSET = 44;
    public static final int METADATA_OFFSET_OFFSET = 48;
    public static final int VALUES_OFFSET_OFFSET = 52;
    public static final int VALUES_LENGTH_OFFSET = 56;
    public static final int INSTANCE_NAME_OFFSET = 64;
    public static final int INSTANCE_NAME_MAX = 124;
    public static final int COMMAND_LINE_OFFSET = 192;
    public static final int COMMAND_LINE_MAX = 828;
    public static final int HEADER_LENGTH = 1024;

    public static final int RECORD_LENGTH = 256;
    public static final int RECORD_STATE_OFFSET = 0;
    public static final int RECORD_TYPE_ID_OFFSET = 4;
    public static final int RECORD_VALUE_OFFSET_OFFSET = 8;
    public static final int RECORD_OWNER_OFFSET = 16;
    public static final int RECORD_OWNER_MAX = 124;
    public static final int RECORD_NAME_OFFSET = 144;
    public static final int RECORD_NAME_MAX = 108;

    public static final int STATE_FREE = 0;
    public static final int STATE_ALLOCATED = 1;

    /** Groups start on 128-byte boundaries (two cache lines). */
    public static final int GROUP_ALIGNMENT = 128;
    public static final int VALUE_LENGTH = 8;

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private CountersDescriptor() {
    }

    public static long metadataOffset() {
        return HEADER_LENGTH;
    }

    /** Room for every counter to start a group of its own: allocation never runs out of values first. */
    public static long valuesLength(int capacity) {
        return (long) capacity * GROUP_ALIGNMENT;
    }

    public static long valuesOffset(int capacity) {
        return metadataOffset() + (long) capacity * RECORD_LENGTH;
    }

    public static long fileLength(int capacity) {
        return valuesOffset(capacity) + valuesLength(capacity);
    }

    public static long recordOffset(int counterId) {
        return metadataOffset() + (long) counterId * RECORD_LENGTH;
    }

    /** Writes a length-prefixed UTF-8 string of at most {@code max} bytes, cut at a character boundary. */
    static void putString(MemorySegment file, long offset, int max, String s) {
        byte[] bytes = fit(s, max);
        file.set(ValueLayout.JAVA_INT, offset, bytes.length);
        MemorySegment.copy(bytes, 0, file, ValueLayout.JAVA_BYTE, offset + 4, bytes.length);
    }

    static String getString(MemorySegment file, long offset, int max) {
        int len = file.get(ValueLayout.JAVA_INT, offset);
        if (len < 0 || len > max) {
            return "?";
        }
        byte[] bytes = new byte[len];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, offset + 4, bytes, 0, len);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static byte[] fit(String s, int max) {
        String t = s;
        byte[] bytes = t.getBytes(StandardCharsets.UTF_8);
        while (bytes.length > max) {
            t = t.substring(0, t.length() - 1);
            bytes = t.getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }
}
