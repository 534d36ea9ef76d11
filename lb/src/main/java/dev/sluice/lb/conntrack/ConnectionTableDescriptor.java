package dev.sluice.lb.conntrack;

/**
 * Layout of a {@link ConnectionTable}'s off-heap memory: one place for it; the table and
 * {@link FlowKey} only use the constants and functions below.
 * <p>
 * The table is set-associative: a power of two of buckets, each a set of {@value #WAYS} ways
 * (entries); a key lives only in the bucket {@code hash & (buckets - 1)}, in one of its ways. A
 * bucket is {@value #BUCKET_SIZE} bytes, two cache lines (the segment is {@value #ALIGNMENT}-byte
 * aligned), and a way is {@value #WAY_SIZE} bytes holding its whole key and its value, so that
 * ways 0 and 1 share the bucket's first line and ways 2 and 3 its second.
 * <p>
 * What a key is: the flow as seen under one VIP, i.e. the VIP's index, the protocol, the source
 * address and both ports. The destination address is not stored: the VIP fixes it (a VIP index
 * names one address, protocol and port for the life of the table builder that hands it out).
 *
 * <pre>
 *   bucket b, at b * 128: four ways of 32 bytes
 *  +---------------------------------------------------------------+
 *  |  way 0 (+0)                   |  way 1 (+32)                  |  line 0
 *  +---------------------------------------------------------------+
 *  |  way 2 (+64)                  |  way 3 (+96)                  |  line 1
 *  +---------------------------------------------------------------+
 *
 *   a way: four u64 words (native byte order)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-----------------------------------------------+---------------+
 *  |                VIP index (24)                 | protocol (8)  |  META_OFFSET   +0   bits 63..32
 *  +-------------------------------+---------------+---------------+
 *  |        source port (16)       |     destination port (16)     |                     bits 31..0
 *  +-------------------------------+-------------------------------+
 *  |     source address, bytes 0..7 (as a big-endian value), u64   |  SRC_HI_OFFSET +8
 *  |     source address, bytes 8..15, u64                          |  SRC_LO_OFFSET +16
 *  +-------------------------------+-------------------------------+
 *  |  last seen (u32 ticks)        |  backend id + 1 (u32)         |  VALUE_OFFSET  +24
 *  +-------------------------------+-------------------------------+
 *     last seen: ticks of 2^22 ns (clock bits 22..53); value 0: the way is empty
 * </pre>
 * <b>Packed buckets.</b> A bucket's live ways are always its first ones: an insert takes the first
 * empty way, and a removal moves the bucket's last occupied way into the hole. So when way 1 is
 * empty, ways 2 and 3 are too, and a lookup or insert in a bucket of at most two entries reads one
 * line. An expired entry keeps its way (expiry is lazy) until an insert reuses it in place.
 * <p>
 * IPv4 addresses are stored IPv4-mapped ({@code ::ffff:a.b.c.d}), see {@link FlowKey}.
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
    /** Bytes per way: its key and its value. */
    public static final int WAY_SIZE = 4 * Long.BYTES;
    /** Ways per cache line. */
    public static final int WAYS_PER_LINE = CACHE_LINE / WAY_SIZE;
    /** Bytes per bucket: two cache lines. */
    public static final int BUCKET_SIZE = WAYS * WAY_SIZE;
    /** Alignment of the table's segment, so that every bucket is two whole cache lines. */
    public static final int ALIGNMENT = BUCKET_SIZE;

    /** In a way. */
    public static final int META_OFFSET = 0;
    public static final int SRC_HI_OFFSET = 8;
    public static final int SRC_LO_OFFSET = 16;
    public static final int VALUE_OFFSET = 24;

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

    /** Bytes of a table of {@code buckets} buckets. */
    public static long length(int buckets) {
        return (long) buckets * BUCKET_SIZE;
    }
}
