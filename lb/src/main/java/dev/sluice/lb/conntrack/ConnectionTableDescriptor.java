package dev.sluice.lb.conntrack;

/**
 * Layout of a {@link ConnectionTable}'s off-heap memory: one place for it; the table and
 * {@link FlowKey} only use the constants and functions below.
 * <p>
 * The table is set-associative: a power of two of buckets, each a set of {@value #WAYS} ways
 * (entries); a key lives only in the bucket {@code hash & (buckets - 1)}, in any of its ways. The
 * memory is two arrays (the segment is {@value #ALIGNMENT}-byte aligned, so every line below is one
 * cache line):
 * <ul>
 *   <li>the bucket lines, one {@value #BUCKET_SIZE}-byte line per bucket: each way's tag and value.
 *       Everything but the full key is here: a lookup that misses, an insert's choice of a way
 *       (empty, expired, least recently seen) and an entry's expiry read this line only;</li>
 *   <li>the key lines, after the last bucket line, one {@value #KEY_SIZE}-byte line per way
 *       (bucket {@code b}, way {@code w} at {@code keysStart + (b * WAYS + w) * KEY_SIZE}): the full
 *       key, read only for a way whose tag equals the key's, to confirm it.</li>
 * </ul>
 * A hit touches two lines, a miss one; a burst loads all its bucket lines first, then the key
 * lines their tags point to (as DPDK's bulk lookup does), so that the misses overlap.
 *
 * <pre>
 *   bucket line b, at b * 64
 *  +-------------------------------+-------------------------------+
 *  |  way 0 tag (u64)              |  way 0 value (u64)            |  +0
 *  |  way 1 tag                    |  way 1 value                  |  +16
 *  |  way 2 tag                    |  way 2 value                  |  +32
 *  |  way 3 tag                    |  way 3 value                  |  +48
 *  +-------------------------------+-------------------------------+
 *
 *   tag:   the key's hash with its low 8 bits replaced by the protocol (which picks the idle timeout)
 *   value: bits 63..32 last seen, u32 ticks of 2^22 ns (clock bits 22..53);
 *          bits 31..0 backend id + 1 (u32); 0: the way is empty
 *
 *   key line of (b, w), at keysStart + (b * 4 + w) * 64: five u64 words (native byte order), 24 unused bytes
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-----------------------------------------------+---------------+
 *  |                VIP index (24)                 | protocol (8)  |  META_OFFSET   +0   bits 63..32
 *  +-------------------------------+---------------+---------------+
 *  |        source port (16)       |     destination port (16)     |                     bits 31..0
 *  +-------------------------------+-------------------------------+
 *  |     source address, bytes 0..7 (as a big-endian value), u64   |  SRC_HI_OFFSET +8
 *  |     source address, bytes 8..15, u64                          |  SRC_LO_OFFSET +16
 *  |     destination address, bytes 0..7, u64                      |  DST_HI_OFFSET +24
 *  |     destination address, bytes 8..15, u64                     |  DST_LO_OFFSET +32
 *  +---------------------------------------------------------------+
 * </pre>
 * A way whose value word is 0 is empty (backend id + 1 is never 0); its tag and key words are then
 * meaningless. IPv4 addresses are stored IPv4-mapped ({@code ::ffff:a.b.c.d}), see {@link FlowKey}.
 * <p>
 * Time: a {@code u32} tick of 2<sup>22</sup> ns (4.19 ms); ages are differences of ticks taken as
 * signed 32-bit values, so an age is right for 2<sup>31</sup> ticks (104 days) and the clock may
 * step back a little without expiring anything. An idle timeout is rounded up to whole ticks: a flow
 * expires no earlier than its timeout and at most two ticks later.
 */
public final class ConnectionTableDescriptor {
    /** Ways (entries) per bucket. */
    public static final int WAYS = 4;
    /** Bytes of a cache line. */
    public static final int CACHE_LINE = 64;
    /** Bytes per way in a bucket line: tag and value. */
    public static final int WAY_SIZE = 2 * Long.BYTES;
    /** Bytes per bucket line: one cache line. */
    public static final int BUCKET_SIZE = WAYS * WAY_SIZE;
    /** Bytes per key line: one cache line. */
    public static final int KEY_SIZE = CACHE_LINE;
    /** Alignment of the table's segment, so that every bucket and key line is one cache line. */
    public static final int ALIGNMENT = CACHE_LINE;

    /** In a bucket line's way. */
    public static final int TAG_OFFSET = 0;
    public static final int VALUE_OFFSET = 8;

    /** In a key line. */
    public static final int META_OFFSET = 0;
    public static final int SRC_HI_OFFSET = 8;
    public static final int SRC_LO_OFFSET = 16;
    public static final int DST_HI_OFFSET = 24;
    public static final int DST_LO_OFFSET = 32;

    /** log2 of nanoseconds per tick of the stored last-seen time. */
    public static final int TICK_SHIFT = 22;
    /** Largest idle timeout in ticks: ages beyond 2^31 ticks are not representable. */
    public static final long MAX_IDLE_TICKS = Integer.MAX_VALUE - 2;

    /** Largest number of buckets: keeps the segment's length far from overflow. */
    public static final int MAX_BUCKETS = 1 << 26;

    private ConnectionTableDescriptor() {
    }

    /** The meta word of a key (only the low bits of each argument are kept). */
    public static long meta(int vip, int protocol, int srcPort, int dstPort) {
        return ((vip & 0xFF_FFFFL) << 40) | ((protocol & 0xFFL) << 32) | ((srcPort & 0xFFFFL) << 16) | (dstPort & 0xFFFFL);
    }

    /** The tag of a key of this hash and protocol: the hash's bits 63..8, the protocol in bits 7..0. */
    public static long tag(long hash, int protocol) {
        return (hash & ~0xFFL) | (protocol & 0xFFL);
    }

    /** The protocol of a tag. */
    public static int protocolOfTag(long tag) {
        return (int) tag & 0xFF;
    }

    public static int vipOf(long meta) {
        return (int) (meta >>> 40);
    }

    public static int protocolOf(long meta) {
        return (int) (meta >>> 32) & 0xFF;
    }

    public static int srcPortOf(long meta) {
        return (int) (meta >>> 16) & 0xFFFF;
    }

    public static int dstPortOf(long meta) {
        return (int) meta & 0xFFFF;
    }

    /** The tick of a clock reading. */
    public static int tick(long nanos) {
        return (int) (nanos >> TICK_SHIFT);
    }

    /** An idle timeout in ticks, rounded up, at most {@link #MAX_IDLE_TICKS}. */
    public static int idleTicks(long idleNanos) {
        if (idleNanos <= 0) {
            return 0;
        }
        long ticks = ((idleNanos - 1) >>> TICK_SHIFT) + 1;
        return (int) Math.min(ticks, MAX_IDLE_TICKS);
    }

    /** The value word of an entry: last seen {@code tick}, backend {@code backendId} (>= 0). */
    public static long value(int tick, int backendId) {
        return ((long) tick << 32) | ((backendId + 1) & 0xFFFF_FFFFL);
    }

    public static int tickOf(long value) {
        return (int) (value >>> 32);
    }

    public static int backendOf(long value) {
        return (int) value - 1;
    }

    /** Offset of the first key line in a table of {@code buckets} buckets. */
    public static long keysStart(int buckets) {
        return (long) buckets * BUCKET_SIZE;
    }

    /** Bytes of a table of {@code buckets} buckets. */
    public static long length(int buckets) {
        return keysStart(buckets) + (long) buckets * WAYS * KEY_SIZE;
    }
}
