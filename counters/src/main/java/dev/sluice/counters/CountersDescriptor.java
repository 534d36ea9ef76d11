package dev.sluice.counters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The layout of a counters file ({@code <run dir>/<pid>-<name>.counters}), the one place it is
 * written down. Little-endian (the host's order: writer and readers share a machine). The file
 * has a fixed size: groups are allocated and freed inside it, their records and value lines
 * reused, so a process that adds and removes groups for days keeps one file of one size.
 *
 * <pre>
 *  Header (1024 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |               magic "SLUICECT" (u64), release                 |    0
 *  +-------------------------------+-------------------------------+
 *  |     layout version (u32)      |      header length (u32)      |    8
 *  +-------------------------------+-------------------------------+
 *  |                          pid (u64)                            |   16
 *  |               start time, epoch milliseconds (u64)            |   24
 *  |    heartbeat, epoch milliseconds (u64), owner: every second   |   32
 *  +-------------------------------+-------------------------------+
 *  | record capacity: most groups  | record limit (u32), release:  |   40
 *  | (u32)                         | records below it were used    |
 *  |     metadata offset (u32)     |      values offset (u32)      |   48
 *  |      values length (u32)      |          reserved             |   56
 *  +-------------------------------+-------------------------------+
 *  | instance name length (u32)    | instance name, UTF-8 (124)   ...|   64
 *  | command line length (u32)     | command line, UTF-8 (828)    ...|  192
 *  +---------------------------------------------------------------+
 *
 *  Metadata: record capacity group records of 1024 bytes from metadata offset
 *  +---------------------------------------------------------------+
 *  |  sequence (u64): odd while the record is being written        |    0
 *  +-------------------------------+-------------------------------+
 *  |  state (u32): 0 free,         |  counter count n (u32),       |    8
 *  |  1 allocated                  |  1..64                        |
 *  +-------------------------------+-------------------------------+
 *  |          values offset (u64), from the start of the file      |   16
 *  |   gauge mask (u64): bit i set = counter i is a gauge          |   24
 *  +-------------------------------+-------------------------------+
 *  |  label count k (u32)          |  strings length (u32)         |   32
 *  +-------------------------------+-------------------------------+
 *  |  strings, each u16 length + UTF-8, in this order: kind,       |   40
 *  |  key 1, value 1, ..., key k, value k, name 1, ..., name n    ...|
 *  +---------------------------------------------------------------+
 *
 *  Values: values length bytes from values offset, in lines of 128 bytes (two cache lines: the
 *  adjacent-line prefetcher pairs them). A group's n u64 values are contiguous and start on a
 *  line of their own, so two writer threads never share a line.
 * </pre>
 *
 * <p>Ordering. The creator writes the header, then the magic with a release store. The allocating
 * process is the only writer of records (one lock in it); a record is a sequence lock: to allocate
 * or free, the writer stores the sequence + 1 (odd), a store-store fence, the record and (at
 * allocation) zeroes of the group's values, then the sequence + 2 with a release store; it raises
 * the record limit with a release store. A reader loads the sequence with acquire, skips the record
 * if odd, reads the record and the values, an acquire fence, and the sequence again: if it changed,
 * what it read may mix two groups and is dropped. A freed group's value lines are zeroed by the
 * allocation that reuses them, after that allocation's odd sequence store, so a reader that sees a
 * value of the new group also sees the old record's sequence moved on. Values and the heartbeat are
 * plain data with a single writer each: opaque stores and opaque loads (whole values, per-counter
 * order, no fence). The same instructions order accesses across processes sharing the pages.
 */
public final class CountersDescriptor {
    /** "SLUICECT" read as a little-endian u64. */
    public static final long MAGIC = 0x544345434955_4C53L;
    /** 2: group records with labels, reusable (1: one record per counter, never freed). */
    public static final int LAYOUT_VERSION = 2;

    public static final int MAGIC_OFFSET = 0;
    public static final int LAYOUT_VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int START_TIME_OFFSET = 24;
    public static final int HEARTBEAT_OFFSET = 32;
    public static final int CAPACITY_OFFSET = 40;
    public static final int RECORD_LIMIT_OFFSET = 44;
    public static final int METADATA_OFFSET_OFFSET = 48;
    public static final int VALUES_OFFSET_OFFSET = 52;
    public static final int VALUES_LENGTH_OFFSET = 56;
    public static final int INSTANCE_NAME_OFFSET = 64;
    public static final int INSTANCE_NAME_MAX = 124;
    public static final int COMMAND_LINE_OFFSET = 192;
    public static final int COMMAND_LINE_MAX = 828;
    public static final int HEADER_LENGTH = 1024;

    public static final int RECORD_LENGTH = 1024;
    public static final int RECORD_SEQUENCE_OFFSET = 0;
    public static final int RECORD_STATE_OFFSET = 8;
    public static final int RECORD_COUNT_OFFSET = 12;
    public static final int RECORD_VALUES_OFFSET = 16;
    public static final int RECORD_GAUGE_MASK_OFFSET = 24;
    public static final int RECORD_LABEL_COUNT_OFFSET = 32;
    public static final int RECORD_STRINGS_LENGTH_OFFSET = 36;
    public static final int RECORD_STRINGS_OFFSET = 40;
    public static final int RECORD_STRINGS_MAX = RECORD_LENGTH - RECORD_STRINGS_OFFSET;

    public static final int STATE_FREE = 0;
    public static final int STATE_ALLOCATED = 1;

    /** Groups start on 128-byte boundaries (two cache lines) and take whole lines. */
    public static final int GROUP_ALIGNMENT = 128;
    public static final int VALUE_LENGTH = 8;
    public static final int VALUES_PER_LINE = GROUP_ALIGNMENT / VALUE_LENGTH;

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private CountersDescriptor() {
    }

    public static long metadataOffset() {
        return HEADER_LENGTH;
    }

    public static long recordOffset(int record) {
        return metadataOffset() + (long) record * RECORD_LENGTH;
    }

    public static long valuesOffset(int capacity) {
        return metadataOffset() + (long) capacity * RECORD_LENGTH;
    }

    public static long valuesLength(int valueLines) {
        return (long) valueLines * GROUP_ALIGNMENT;
    }

    public static long fileLength(int capacity, int valueLines) {
        return valuesOffset(capacity) + valuesLength(valueLines);
    }

    /** Lines a group of {@code counters} values takes. */
    public static int lines(int counters) {
        return (counters + VALUES_PER_LINE - 1) / VALUES_PER_LINE;
    }

    /** Writes a length-prefixed (u32) UTF-8 string of at most {@code max} bytes, cut at a character boundary. */
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
