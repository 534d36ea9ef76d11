package dev.sluice.lb.conntrack;

import dev.sluice.sys.AddressSpace;
import dev.sluice.sys.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.BUCKET_SIZE;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.CACHE_LINE;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.META_OFFSET;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.SRC_HI_OFFSET;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.SRC_LO_OFFSET;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.VALUE_OFFSET;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.WAYS;
import static dev.sluice.lb.conntrack.ConnectionTableDescriptor.WAY_SIZE;

/**
 * One worker's connection table: which backend each established flow went to. Off-heap (one
 * mapping owned by a shared arena of the table's, unmapped by {@link #close()}; transparent huge
 * pages where the kernel gives them), fixed capacity, never grows,
 * set-associative with {@value ConnectionTableDescriptor#WAYS} ways per bucket and least-recently-seen
 * eviction within a bucket; layout in {@link ConnectionTableDescriptor}.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>{@link #lookup} returns the backend of a live entry and refreshes its last-seen time, or
 *       {@link #NOT_FOUND}. An entry not seen for longer than its protocol's idle timeout (TCP, 6:
 *       {@code tcpIdleNanos}; anything else: {@code udpIdleNanos}) is expired: a lookup misses it
 *       and an insert may reuse its way.</li>
 *   <li>{@link #insert} replaces the key's entry if there is one (expired or not), else takes an
 *       empty or expired way of the key's bucket, else evicts the bucket's least recently seen live
 *       entry (counted in {@link #evictions()}). A set-associative table evicts when the key's bucket
 *       is full, which happens before the whole table is: with keys spread evenly (bucket loads
 *       Poisson-distributed), about 4 % of the flows find no room in their bucket when the flows
 *       number half the capacity, and 20 % when they number the full capacity; so size the table
 *       at about twice the flows it must keep.</li>
 *   <li>Hits and misses count lookups; expiry is lazy (an expired entry stays in {@link #size()} until
 *       its way is reused or removed).</li>
 * </ul>
 *
 * <h2>Threads and the hot path</h2>
 * One thread (the worker that owns the table) calls every method but {@link #close()} and
 * {@link #setIdleTimeouts}; other threads may read the counters and {@link #size()} (plain fields:
 * possibly stale, never torn on a 64-bit JVM) and change the timeouts. No method
 * allocates, locks or throws after construction. Memory is addressed through
 * {@link AddressSpace#ALL}: stop the worker before closing the table; any call after
 * {@link #close()} is undefined.
 *
 * <h2>Bursts</h2>
 * At a million flows the table is far larger than the caches and every lookup misses them. A burst
 * therefore calls {@link #prefetch(FlowKey[], int)} with all its keys first and {@link #lookup} or
 * {@link #insert} for each afterwards (as DPDK's bulk hash lookup does): its loads are independent,
 * so the CPU has many cache misses in flight at once instead of waiting for each in turn, and by the
 * time the lookups run their lines are in the cache. Prefetch the burst's keys together, not one at
 * a time between other work: a load that misses holds up the retirement of everything after it, so
 * much work between two of them keeps the second from being issued.
 */
public final class ConnectionTable implements AutoCloseable {
    /** What {@link #lookup} returns when the key has no live entry. */
    public static final int NOT_FOUND = -1;
    /** What {@link #insert} returns when it evicted nothing. */
    public static final long NO_EVICTION = -1L;

    /**
     * u64 words of the table, plain access only. Every offset is a multiple of 8 in a
     * {@value ConnectionTableDescriptor#ALIGNMENT}-byte aligned segment, so the unaligned layout's
     * handle (no alignment check) is always aligned in fact.
     */
    private static final VarHandle LONG = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    private static final VarHandle TCP_IDLE;
    private static final VarHandle UDP_IDLE;

    static {
        try {
            TCP_IDLE = MethodHandles.lookup().findVarHandle(ConnectionTable.class, "tcpIdleTicks", int.class);
            UDP_IDLE = MethodHandles.lookup().findVarHandle(ConnectionTable.class, "udpIdleTicks", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Arena arena;
    private final MemorySegment segment;
    private final long base;
    private final long bucketMask;
    private final int capacity;
    /** Written by {@link #setIdleTimeouts} from any thread, read opaque by the owner (never cached in a register). */
    private int tcpIdleTicks;
    private int udpIdleTicks;

    private long hits;
    private long misses;
    private long evictions;
    private int size;
    private boolean closed;

    /**
     * A table of at least {@code capacity} entries: the bucket count is rounded up to a power of two.
     *
     * @param capacity     entries, 1 .. {@link #MAX_CAPACITY}
     * @param tcpIdleNanos a TCP (protocol 6) entry not seen for this long is expired (>= 0)
     * @param udpIdleNanos an entry of any other protocol not seen for this long is expired (>= 0)
     * @throws IllegalArgumentException for a capacity or timeout out of range
     */
    public ConnectionTable(int capacity, long tcpIdleNanos, long udpIdleNanos) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("connection table capacity " + capacity + " is out of range 1.." + MAX_CAPACITY);
        }
        if (tcpIdleNanos < 0 || udpIdleNanos < 0) {
            throw new IllegalArgumentException("idle timeouts must not be negative (tcp " + tcpIdleNanos + " ns, udp " + udpIdleNanos + " ns)");
        }
        int needed = (capacity + WAYS - 1) / WAYS;
        int buckets = needed == 1 ? 1 : Integer.highestOneBit(needed - 1) << 1;
        this.capacity = buckets * WAYS;
        this.bucketMask = buckets - 1;
        this.tcpIdleTicks = ConnectionTableDescriptor.idleTicks(tcpIdleNanos);
        this.udpIdleTicks = ConnectionTableDescriptor.idleTicks(udpIdleNanos);
        this.arena = Arena.ofShared();
        try {
            this.segment = map(ConnectionTableDescriptor.length(buckets), arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.base = segment.address();
    }

    /**
     * The table's memory: anonymous pages (zero: every way starts empty), unmapped when
     * {@code arena} closes. A table of 2 MiB or more starts on a 2 MiB boundary and asks for
     * transparent huge pages: a lookup touches a random bucket, and with 4 KiB pages a table larger
     * than the TLB's reach would add a page walk to most lookups. Every page is touched here, so
     * that no page fault (and no huge page's zeroing) falls on the data path.
     */
    private static MemorySegment map(long length, Arena arena) {
        boolean huge = length >= HUGE_PAGE;
        long mapped = huge ? length + HUGE_PAGE : length;
        MemorySegment raw = LibC.mmap(mapped, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0,
                "mmap", "allocating a connection table of " + length + " bytes");
        long start = huge ? (raw.address() + HUGE_PAGE - 1) & -HUGE_PAGE : raw.address();
        MemorySegment table = MemorySegment.ofAddress(start).reinterpret(length, arena, unused -> LibC.munmap(raw));
        if (huge) {
            LibC.madvise(table, LibC.MADV_HUGEPAGE); // advice: without transparent huge pages the table still works
        }
        for (long page = 0; page < length; page += SMALL_PAGE) {
            table.set(ValueLayout.JAVA_BYTE, page, (byte) 0);
        }
        return table;
    }

    private static final long HUGE_PAGE = 2L << 20;
    private static final long SMALL_PAGE = 4096;

    /** Largest capacity: {@link ConnectionTableDescriptor#MAX_BUCKETS} buckets. */
    public static final int MAX_CAPACITY = ConnectionTableDescriptor.MAX_BUCKETS * WAYS;

    /** Address of the bucket of a key whose {@link FlowKey#hash} is {@code keyHash}: always inside the table. */
    private long bucket(long keyHash) {
        return base + (keyHash & bucketMask) * BUCKET_SIZE;
    }

    /**
     * Starts loading into the cache the lines that {@link #lookup} or {@link #insert} of
     * {@code keys[0 .. count)} will read: first every key's bucket's first line (ways 0 and 1),
     * then, for every key whose ways 0 and 1 are both taken by other flows (their meta words differ
     * from the key's), the second line (line 0 again otherwise: a choice without a branch, which
     * would be mispredicted). Plain loads, since Java has no prefetch instruction; each stage is a
     * loop of a few instructions per key, so that the loads of the whole burst fit in the CPU's
     * window and are in flight together. The loaded values are stored in the last key only so that
     * the compiler cannot drop the loads; they mean nothing. Changes nothing else.
     */
    public void prefetch(FlowKey[] keys, int count) {
        if (count <= 0) {
            return;
        }
        long sink = 0;
        for (int i = 0; i < count; i++) {
            sink ^= (long) LONG.get(AddressSpace.ALL, bucket(keys[i].hash()) + VALUE_OFFSET);
        }
        for (int i = 0; i < count; i++) {
            sink ^= secondStage(keys[i].hash(), keys[i].meta());
        }
        keys[count - 1].touched = sink;
    }

    /**
     * {@link #prefetch(FlowKey[], int)} for keys held as words ({@link FlowKey#hash(long, long, long)}
     * and {@link FlowKey#meta}) in {@code hashes[0 .. count)} and {@code metas[0 .. count)}; returns
     * the loaded values' mix, which means nothing (store it where the compiler cannot drop it).
     */
    public long prefetch(long[] hashes, long[] metas, int count) {
        long sink = 0;
        for (int i = 0; i < count; i++) {
            sink ^= (long) LONG.get(AddressSpace.ALL, bucket(hashes[i]) + VALUE_OFFSET);
        }
        for (int i = 0; i < count; i++) {
            sink ^= secondStage(hashes[i], metas[i]);
        }
        return sink;
    }

    /** Loads the bucket's second line when ways 0 and 1 both hold other flows, else line 0 again. */
    private long secondStage(long keyHash, long meta) {
        long b = bucket(keyHash);
        boolean second = (long) LONG.get(AddressSpace.ALL, b + WAY_SIZE + VALUE_OFFSET) != 0
                && (long) LONG.get(AddressSpace.ALL, b + META_OFFSET) != meta
                && (long) LONG.get(AddressSpace.ALL, b + WAY_SIZE + META_OFFSET) != meta;
        return (long) LONG.get(AddressSpace.ALL, b + (second ? CACHE_LINE : 0));
    }

    /** {@link #prefetch(FlowKey[], int)} of one key. */
    public void prefetch(FlowKey key) {
        long b = bucket(key.hash());
        long sink = (long) LONG.get(AddressSpace.ALL, b + WAY_SIZE + VALUE_OFFSET);
        if (sink != 0) {
            sink ^= (long) LONG.get(AddressSpace.ALL, b + CACHE_LINE + VALUE_OFFSET);
        }
        key.touched = sink;
    }

    /**
     * The backend of the key's live entry, whose last-seen time becomes {@code nowNanos}; or
     * {@link #NOT_FOUND} when there is none or it has expired.
     */
    public int lookup(FlowKey key, long nowNanos) {
        return lookup(key.hash(), key.meta(), key.srcHi(), key.srcLo(), nowNanos);
    }

    /**
     * {@link #lookup(FlowKey, long)} of the key held as words: its {@link FlowKey#hash(long, long, long)},
     * {@link FlowKey#meta} and source address halves (an IPv4 source {@link FlowKey#mappedIpv4 mapped}).
     */
    public int lookup(long keyHash, long meta, long srcHi, long srcLo, long nowNanos) {
        final long b = bucket(keyHash);
        for (int w = 0; w < WAYS; w++) {
            long way = b + w * WAY_SIZE;
            long value = (long) LONG.get(AddressSpace.ALL, way + VALUE_OFFSET);
            if (value == 0) {
                break; // packed: no entry after an empty way
            }
            if (!holds(way, meta, srcHi, srcLo)) {
                continue;
            }
            int now = ConnectionTableDescriptor.tick(nowNanos);
            int last = ConnectionTableDescriptor.tickOf(value);
            if (now - last > idleTicks(meta)) {
                break; // a key has at most one way: this was it
            }
            if (now != last) { // keeps a busy flow's line clean within a tick
                LONG.set(AddressSpace.ALL, way + VALUE_OFFSET, (value & 0xFFFF_FFFFL) | ((long) now << 32));
            }
            hits++;
            return ConnectionTableDescriptor.backendOf(value);
        }
        misses++;
        return NOT_FOUND;
    }

    /**
     * Maps the key to {@code backendId} (>= 0), seen at {@code nowNanos}: replaces its entry, or takes
     * an expired way or the first empty one, or evicts its bucket's least recently seen entry. A
     * negative {@code backendId} removes the key.
     *
     * @return {@link #NO_EVICTION}, or the entry evicted to make room: its VIP index and backend id,
     *         read with {@link #evictedVip} and {@link #evictedBackend}
     */
    public long insert(FlowKey key, int backendId, long nowNanos) {
        if (backendId < 0) {
            remove(key);
            return NO_EVICTION;
        }
        return insert(key.hash(), key.meta(), key.srcHi(), key.srcLo(), backendId, nowNanos);
    }

    /**
     * {@link #insert(FlowKey, int, long)} of the key held as words (see {@link #lookup(long, long, long, long, long)}),
     * for {@code backendId >= 0}.
     */
    public long insert(long keyHash, long meta, long srcHi, long srcLo, int backendId, long nowNanos) {
        final long b = bucket(keyHash);
        final int now = ConnectionTableDescriptor.tick(nowNanos);
        final long value = ConnectionTableDescriptor.value(now, backendId);
        int free = -1;        // first expired way, else the first empty one
        boolean freeWasEmpty = false;
        int oldest = 0;       // least recently seen live way
        int oldestAge = Integer.MIN_VALUE;
        for (int w = 0; w < WAYS; w++) {
            long way = b + w * WAY_SIZE;
            long v = (long) LONG.get(AddressSpace.ALL, way + VALUE_OFFSET);
            if (v == 0) {
                if (free < 0) {
                    free = w;
                    freeWasEmpty = true;
                }
                break; // packed: the key is in no later way
            }
            if (holds(way, meta, srcHi, srcLo)) {
                LONG.set(AddressSpace.ALL, way + VALUE_OFFSET, value);
                return NO_EVICTION;
            }
            int age = now - ConnectionTableDescriptor.tickOf(v);
            if (age > idleTicks((long) LONG.get(AddressSpace.ALL, way + META_OFFSET))) {
                if (free < 0) {
                    free = w;
                }
            } else if (age > oldestAge) {
                oldestAge = age;
                oldest = w;
            }
        }
        if (free >= 0) {
            if (freeWasEmpty) {
                size++;
            }
            write(b + free * WAY_SIZE, meta, srcHi, srcLo, value);
            return NO_EVICTION;
        }
        evictions++;
        long evicted = b + oldest * WAY_SIZE;
        long evictedMeta = (long) LONG.get(AddressSpace.ALL, evicted + META_OFFSET);
        long evictedValue = (long) LONG.get(AddressSpace.ALL, evicted + VALUE_OFFSET);
        write(evicted, meta, srcHi, srcLo, value);
        return (long) ConnectionTableDescriptor.vipOf(evictedMeta) << 32
                | (ConnectionTableDescriptor.backendOf(evictedValue) & 0xFFFF_FFFFL);
    }

    /** The VIP index of an entry {@link #insert} evicted. */
    public static int evictedVip(long eviction) {
        return (int) (eviction >>> 32);
    }

    /** The backend id of an entry {@link #insert} evicted. */
    public static int evictedBackend(long eviction) {
        return (int) eviction;
    }

    /** Forgets the key's entry, if any; the bucket's last entry moves into its way (buckets stay packed). */
    public void remove(FlowKey key) {
        final long b = bucket(key.hash());
        for (int w = 0; w < WAYS; w++) {
            long way = b + w * WAY_SIZE;
            if ((long) LONG.get(AddressSpace.ALL, way + VALUE_OFFSET) == 0) {
                return;
            }
            if (holds(way, key.meta(), key.srcHi(), key.srcLo())) {
                int last = w;
                while (last + 1 < WAYS && (long) LONG.get(AddressSpace.ALL, b + (last + 1) * WAY_SIZE + VALUE_OFFSET) != 0) {
                    last++;
                }
                long lastWay = b + last * WAY_SIZE;
                if (last != w) {
                    for (int word = 0; word < WAY_SIZE; word += Long.BYTES) {
                        LONG.set(AddressSpace.ALL, way + word, (long) LONG.get(AddressSpace.ALL, lastWay + word));
                    }
                }
                LONG.set(AddressSpace.ALL, lastWay + VALUE_OFFSET, 0L);
                size--;
                return;
            }
        }
    }

    /** The idle timeout, in ticks, of an entry whose meta word is {@code meta}: its protocol's. */
    private int idleTicks(long meta) {
        return ConnectionTableDescriptor.protocolOf(meta) == FlowKey.TCP ? (int) TCP_IDLE.getOpaque(this) : (int) UDP_IDLE.getOpaque(this);
    }

    /**
     * Changes the idle timeouts, from any thread: the owner's next lookups and inserts judge every
     * entry, old ones included, by the new values (an entry idle for longer than a shortened timeout
     * is expired at once). Each value is written whole; a lookup may see the new TCP timeout and
     * the old UDP one for a moment.
     */
    public void setIdleTimeouts(long tcpIdleNanos, long udpIdleNanos) {
        if (tcpIdleNanos < 0 || udpIdleNanos < 0) {
            throw new IllegalArgumentException("idle timeouts must not be negative (tcp " + tcpIdleNanos + " ns, udp " + udpIdleNanos + " ns)");
        }
        TCP_IDLE.setOpaque(this, ConnectionTableDescriptor.idleTicks(tcpIdleNanos));
        UDP_IDLE.setOpaque(this, ConnectionTableDescriptor.idleTicks(udpIdleNanos));
    }

    /** True when the way at {@code way} holds the key of these words (whether or not the way is live). */
    private static boolean holds(long way, long meta, long srcHi, long srcLo) {
        return (long) LONG.get(AddressSpace.ALL, way + META_OFFSET) == meta
                && (long) LONG.get(AddressSpace.ALL, way + SRC_LO_OFFSET) == srcLo
                && (long) LONG.get(AddressSpace.ALL, way + SRC_HI_OFFSET) == srcHi;
    }

    private static void write(long way, long meta, long srcHi, long srcLo, long value) {
        LONG.set(AddressSpace.ALL, way + META_OFFSET, meta);
        LONG.set(AddressSpace.ALL, way + SRC_HI_OFFSET, srcHi);
        LONG.set(AddressSpace.ALL, way + SRC_LO_OFFSET, srcLo);
        LONG.set(AddressSpace.ALL, way + VALUE_OFFSET, value);
    }

    /** Lookups that found a live entry. */
    public long hits() {
        return hits;
    }

    /** Lookups that found none (absent, removed or expired). */
    public long misses() {
        return misses;
    }

    /** Live entries overwritten by an insert because their bucket was full. */
    public long evictions() {
        return evictions;
    }

    /**
     * Occupied ways, expired entries included until their way is reused or the key removed. Other
     * threads may read it (a plain int: never torn, possibly a few bursts old).
     */
    public int size() {
        return size;
    }

    /** Entries the table holds at most: buckets × ways (the requested capacity rounded up). */
    public int capacity() {
        return capacity;
    }

    /** Frees the table's memory; idempotent. No other method may run during or after it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
