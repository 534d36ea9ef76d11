package dev.sluice.drivers.pcap;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.sluice.drivers.pcap.PcapngDescriptor.*;

/**
 * Packet records of a pcapng file (layouts in {@link PcapngDescriptor}): Enhanced, Simple and
 * Obsolete Packet Blocks, with the link type, snapshot length and timestamp resolution of the
 * interface they belong to. Blocks of other types (name resolution, statistics, custom, ...) are
 * skipped by their length. A Section Header Block starts a new section: new byte order, no
 * interfaces yet.
 */
final class PcapngCursor extends CaptureCursor {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    // Interfaces of the current section, by id. Grown when an IDB arrives, never per packet.
    private int interfaces;
    private int[] ifLinkType = new int[4];
    private long[] ifSnapLength = new long[4];
    private int[] ifTsresol = new int[4];
    private long[] ifOffsetNanos = new long[4];

    long sections;
    long skippedBlocks;
    /** Whether an interface read so far counts time in units finer than a microsecond. */
    boolean finerThanMicroseconds;

    /** Checks the first Section Header Block; damage there is thrown whatever the mode. */
    PcapngCursor(MemorySegment file, boolean strict) {
        super(file, strict);
        String problem = readSection(0);
        if (problem != null) {
            throw new PcapFormatException(problem, 0);
        }
    }

    @Override
    long firstRecordOffset() {
        return 0;
    }

    @Override
    void resetFormatState() {
        interfaces = 0;
        sections = 0;
    }

    @Override
    boolean advance() {
        for (;;) {
            long p = position;
            long remaining = size - p;
            if (remaining == 0) {
                return end();
            }
            if (remaining < BLOCK_OVERHEAD) {
                return damage(p, "truncated block header at offset " + p + ": " + remaining + " of at least "
                        + BLOCK_OVERHEAD + " bytes");
            }
            int type = int32(p + TYPE_OFFSET);
            if (type == SECTION_HEADER_BLOCK) { // a palindrome: recognised in either byte order
                String problem = readSection(p);
                if (problem != null) {
                    return damage(p, problem);
                }
                continue;
            }
            long length = uint32(p + LENGTH_OFFSET);
            String problem = blockProblem(p, type, length, remaining);
            if (problem != null) {
                return damage(p, problem);
            }
            position = p + length;
            switch (type) {
                case ENHANCED_PACKET_BLOCK, OBSOLETE_PACKET_BLOCK -> {
                    return packet(p, type, length);
                }
                case SIMPLE_PACKET_BLOCK -> {
                    return simplePacket(p, length);
                }
                case INTERFACE_DESCRIPTION_BLOCK -> {
                    problem = readInterface(p, length);
                    if (problem != null) {
                        return damage(p, problem);
                    }
                }
                default -> skippedBlocks++;
            }
        }
    }

    /** Null when the block framing at {@code p} is sound, else what is wrong with it. */
    private String blockProblem(long p, int type, long length, long remaining) {
        if (length % 4 != 0) {
            return "block at offset " + p + " has length " + length + ", not a multiple of 4";
        }
        long min = minimumLength(type);
        if (length < min) {
            return "block of type 0x" + Integer.toHexString(type) + " at offset " + p + " has length " + length
                    + ", less than the " + min + " bytes its type needs";
        }
        if (length > remaining) {
            return "truncated block at offset " + p + ": its length is " + length + " bytes but only " + remaining
                    + " remain in the file";
        }
        long trailing = uint32(p + length - 4);
        if (trailing != length) {
            return "block at offset " + p + ": trailing length " + trailing + " differs from its length " + length;
        }
        return null;
    }

    private static long minimumLength(int type) {
        return switch (type) {
            case ENHANCED_PACKET_BLOCK, OBSOLETE_PACKET_BLOCK -> EPB_MIN_LENGTH;
            case SIMPLE_PACKET_BLOCK -> SPB_MIN_LENGTH;
            case INTERFACE_DESCRIPTION_BLOCK -> IDB_MIN_LENGTH;
            default -> BLOCK_OVERHEAD;
        };
    }

    /**
     * Reads a Section Header Block at {@code p}: sets the byte order, forgets the interfaces of the
     * previous section and moves past the block. Null when sound, else what is wrong.
     */
    private String readSection(long p) {
        long remaining = size - p;
        if (remaining < SHB_MIN_LENGTH) {
            return "truncated section header block at offset " + p + ": " + remaining + " of at least "
                    + SHB_MIN_LENGTH + " bytes";
        }
        bigEndian = false;
        int magic = int32(p + SHB_MAGIC_OFFSET);
        if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            bigEndian = true;
        } else if (magic != BYTE_ORDER_MAGIC) {
            bigEndian = true; // to print the bytes in file order
            return "section header block at offset " + p + ": byte-order magic 0x"
                    + String.format("%08x", int32(p + SHB_MAGIC_OFFSET)) + " is neither 1a2b3c4d nor 4d3c2b1a";
        }
        long length = uint32(p + LENGTH_OFFSET);
        String problem = blockProblem(p, SECTION_HEADER_BLOCK, length, remaining);
        if (problem != null) {
            return problem;
        }
        int major = uint16(p + SHB_MAJOR_OFFSET);
        if (major != VERSION_MAJOR) {
            return "section header block at offset " + p + ": unsupported pcapng version " + major + "."
                    + uint16(p + SHB_MINOR_OFFSET) + " (expected " + VERSION_MAJOR + ".x)";
        }
        interfaces = 0;
        sections++;
        position = p + length;
        return null;
    }

    /** Reads an Interface Description Block (framing already checked). Null when sound. */
    private String readInterface(long p, long length) {
        int linkType = uint16(p + IDB_LINKTYPE_OFFSET);
        long snapLength = uint32(p + IDB_SNAPLEN_OFFSET);
        int tsresol = DEFAULT_TSRESOL;
        long offsetSeconds = 0;
        long at = p + IDB_OPTIONS_OFFSET;
        long end = p + length - 4;
        while (end - at >= OPTION_HEADER_LENGTH) {
            int code = uint16(at);
            int valueLength = uint16(at + 2);
            if (code == OPT_ENDOFOPT) {
                break;
            }
            long next = at + OPTION_HEADER_LENGTH + padded(valueLength);
            if (next > end) {
                return "interface description block at offset " + p + ": option " + code + " at offset " + at
                        + " (" + valueLength + " bytes) overruns the block";
            }
            if (code == IF_TSRESOL && valueLength >= 1) {
                tsresol = uint8(at + OPTION_HEADER_LENGTH);
            } else if (code == IF_TSOFFSET && valueLength >= 8) {
                offsetSeconds = int64(at + OPTION_HEADER_LENGTH);
            }
            at = next;
        }
        if (!TimestampUnits.supported(tsresol)) {
            return "interface description block at offset " + p + ": timestamp resolution "
                    + TimestampUnits.describe(tsresol) + " is not supported (finest: 10^-18 s, 2^-63 s)";
        }
        int id = interfaces;
        if (id == ifLinkType.length) {
            int n = id * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifSnapLength = Arrays.copyOf(ifSnapLength, n);
            ifTsresol = Arrays.copyOf(ifTsresol, n);
            ifOffsetNanos = Arrays.copyOf(ifOffsetNanos, n);
        }
        ifLinkType[id] = linkType;
        ifSnapLength[id] = snapLength;
        ifTsresol[id] = tsresol;
        ifOffsetNanos[id] = offsetSeconds * NANOS_PER_SECOND;
        finerThanMicroseconds |= TimestampUnits.finerThanMicroseconds(tsresol);
        interfaces = id + 1;
        return null;
    }

    /** An Enhanced or Obsolete Packet Block (framing already checked). */
    private boolean packet(long p, int type, long length) {
        long id = type == OBSOLETE_PACKET_BLOCK ? uint16(p + EPB_INTERFACE_OFFSET) : uint32(p + EPB_INTERFACE_OFFSET);
        if (id >= interfaces) {
            return damage(p, "packet block at offset " + p + " names interface " + id + " but its section defines "
                    + interfaces);
        }
        int i = (int) id;
        long captured = uint32(p + EPB_CAPTURED_OFFSET);
        long room = length - EPB_MIN_LENGTH;
        if (captured > room) {
            return damage(p, "packet block at offset " + p + ": captured length " + captured
                    + " overruns its block (room for " + room + " bytes)");
        }
        long snap = ifSnapLength[i];
        if (captured > MAX_CAPTURED_LENGTH || (snap != 0 && captured > snap)) {
            return damage(p, "packet block at offset " + p + ": captured length " + captured
                    + " exceeds the snapshot length " + snap + " of interface " + id);
        }
        long units = (uint32(p + EPB_TS_HIGH_OFFSET) << 32) | uint32(p + EPB_TS_LOW_OFFSET);
        long nanos = TimestampUnits.toNanos(units, ifTsresol[i]) + ifOffsetNanos[i];
        setRecord(p, p + EPB_DATA_OFFSET, captured, uint32(p + EPB_ORIGINAL_OFFSET), nanos, ifLinkType[i], i);
        return true;
    }

    /** A Simple Packet Block: interface 0, no timestamp (reported as 0). */
    private boolean simplePacket(long p, long length) {
        if (interfaces == 0) {
            return damage(p, "simple packet block at offset " + p + " but its section defines no interface");
        }
        long original = uint32(p + SPB_ORIGINAL_OFFSET);
        long captured = Math.min(Math.min(original, length - SPB_MIN_LENGTH), MAX_CAPTURED_LENGTH);
        long snap = ifSnapLength[0];
        if (snap != 0) {
            captured = Math.min(captured, snap);
        }
        setRecord(p, p + SPB_DATA_OFFSET, captured, original, 0, ifLinkType[0], 0);
        return true;
    }

    int interfaceCount() {
        return interfaces;
    }
}
