package dev.sluice.lb.conntrack;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.sluice.lb.conntrack.ConnectionTable.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionTableTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long TCP_IDLE = 300 * SECOND;
    private static final long UDP_IDLE = 30 * SECOND;
    /** One tick of the stored time: a flow expires at most two ticks after its timeout. */
    private static final long TICK = 1L << ConnectionTableDescriptor.TICK_SHIFT;

    private static FlowKey v4(int vip, int protocol, int src, int srcPort) {
        FlowKey k = new FlowKey();
        k.ipv4(vip, protocol, src, srcPort, 80);
        return k;
    }

    private static FlowKey v6(int vip, int protocol, long srcLo, int srcPort) {
        FlowKey k = new FlowKey();
        k.ipv6(vip, protocol, 0x2001_0db8_0000_0001L, srcLo, srcPort, 443);
        return k;
    }

    @Test
    void insertThenLookupIpv4AndIpv6() {
        try (ConnectionTable t = new ConnectionTable(1024, TCP_IDLE, UDP_IDLE)) {
            FlowKey a = v4(0, FlowKey.TCP, 0xc0a8_0001, 40000);
            FlowKey b = v6(1, FlowKey.UDP, 0x1234_5678_9abc_def0L, 5353);
            assertThat(t.lookup(a, 0)).isEqualTo(NOT_FOUND);
            t.insert(a, 7, 0);
            t.insert(b, 99, 0);
            assertThat(t.lookup(a, SECOND)).isEqualTo(7);
            assertThat(t.lookup(b, SECOND)).isEqualTo(99);
            assertThat(t.size()).isEqualTo(2);
            assertThat(t.hits()).isEqualTo(2);
            assertThat(t.misses()).isEqualTo(1);
            assertThat(t.evictions()).isZero();
        }
    }

    @Test
    void everyKeyFieldTellsFlowsApart() {
        try (ConnectionTable t = new ConnectionTable(1024, TCP_IDLE, UDP_IDLE)) {
            FlowKey base = new FlowKey();
            base.ipv4(3, FlowKey.TCP, 0x0a00_0001, 1000, 80);
            t.insert(base, 1, 0);
            FlowKey k = new FlowKey();
            k.ipv4(4, FlowKey.TCP, 0x0a00_0001, 1000, 80);
            assertThat(t.lookup(k, 0)).as("other VIP").isEqualTo(NOT_FOUND);
            k.ipv4(3, FlowKey.UDP, 0x0a00_0001, 1000, 80);
            assertThat(t.lookup(k, 0)).as("other protocol").isEqualTo(NOT_FOUND);
            k.ipv4(3, FlowKey.TCP, 0x0a00_0002, 1000, 80);
            assertThat(t.lookup(k, 0)).as("other source").isEqualTo(NOT_FOUND);
            k.ipv4(3, FlowKey.TCP, 0x0a00_0001, 1001, 80);
            assertThat(t.lookup(k, 0)).as("other source port").isEqualTo(NOT_FOUND);
            k.ipv4(3, FlowKey.TCP, 0x0a00_0001, 1000, 81);
            assertThat(t.lookup(k, 0)).as("other destination port").isEqualTo(NOT_FOUND);
            k.ipv6(3, FlowKey.TCP, 0, 0x0a00_0001L, 1000, 80);
            assertThat(t.lookup(k, 0)).as("IPv4-compatible is not IPv4-mapped").isEqualTo(NOT_FOUND);
            k.ipv6(3, FlowKey.TCP, 0, 0xffff_0a00_0001L, 1000, 80);
            assertThat(t.lookup(k, 0)).as("the IPv4-mapped IPv6 key is the IPv4 key").isEqualTo(1);
            k.ipv4(3, FlowKey.TCP, 0x0a00_0001, 1000, 80);
            assertThat(k.hash()).isEqualTo(base.hash());
            assertThat(t.lookup(k, 0)).isEqualTo(1);
        }
    }

    @Test
    void keysHeldAsWordsAreTheSameKeysAsFlowKeys() {
        try (ConnectionTable t = new ConnectionTable(1024, TCP_IDLE, UDP_IDLE)) {
            FlowKey v4 = v4(3, FlowKey.TCP, 0xc0a8_0001, 40000);
            long meta4 = FlowKey.meta(3, FlowKey.TCP, 40000 << 16 | 80);
            long lo4 = FlowKey.mappedIpv4(0xc0a8_0001);
            assertThat(meta4).isEqualTo(v4.meta());
            assertThat(FlowKey.hash(meta4, 0, lo4)).isEqualTo(v4.hash());
            FlowKey v6 = new FlowKey();
            v6.ipv6(4, FlowKey.UDP, 0x2001_0db8_0000_0000L, 7, 53000, 443);
            long meta6 = FlowKey.meta(4, FlowKey.UDP, 53000 << 16 | 443);

            assertThat(t.insert(FlowKey.hash(meta4, 0, lo4), meta4, 0, lo4, 11, 0)).isEqualTo(ConnectionTable.NO_EVICTION);
            t.insert(v6, 12, 0);
            assertThat(t.lookup(v4, 1)).isEqualTo(11);
            assertThat(t.lookup(FlowKey.hash(meta6, v6.srcHi(), 7), meta6, v6.srcHi(), 7, 1)).isEqualTo(12);
            assertThat(t.lookup(FlowKey.hash(meta6, v6.srcHi(), 8), meta6, v6.srcHi(), 8, 1)).isEqualTo(NOT_FOUND);

            long[] hashes = {v4.hash(), v6.hash(), 0};
            long[] metas = {v4.meta(), v6.meta(), 0};
            t.prefetch(hashes, metas, 3); // touches lines only
            assertThat(t.size()).isEqualTo(2);
            assertThat(t.lookup(v6, 2)).isEqualTo(12);
        }
    }

    @Test
    void keyFieldsReadBack() {
        FlowKey k = new FlowKey();
        k.ipv4(0xAB_CDEF, 17, 1, 65535, 1);
        assertThat(k.vip()).isEqualTo(0xAB_CDEF);
        assertThat(k.protocol()).isEqualTo(17);
        assertThat(k.srcPort()).isEqualTo(65535);
        assertThat(k.dstPort()).isEqualTo(1);
        assertThat(k.isIpv4()).isTrue();
        k.ipv6(1, 6, 1, 2, 5, 6);
        assertThat(k.isIpv4()).isFalse();
        FlowKey copy = new FlowKey();
        copy.copyFrom(k);
        assertThat(copy.hash()).isEqualTo(k.hash());
        assertThat(copy.toString()).isEqualTo(k.toString());
    }

    @Test
    void insertReplacesTheBackend() {
        try (ConnectionTable t = new ConnectionTable(64, TCP_IDLE, UDP_IDLE)) {
            FlowKey a = v4(0, FlowKey.TCP, 1, 1);
            t.insert(a, 1, 0);
            t.insert(a, 2, 0);
            assertThat(t.lookup(a, 0)).isEqualTo(2);
            assertThat(t.size()).isEqualTo(1);
        }
    }

    @Test
    void tcpAndUdpExpireAfterTheirOwnIdleTimeouts() {
        try (ConnectionTable t = new ConnectionTable(64, 10 * SECOND, 2 * SECOND)) {
            FlowKey tcp = v4(0, FlowKey.TCP, 1, 1);
            FlowKey udp = v4(0, FlowKey.UDP, 1, 1);
            FlowKey other = v4(0, 1, 1, 1); // ICMP takes the UDP timeout
            long t0 = 1_000 * SECOND;
            t.insert(tcp, 1, t0);
            t.insert(udp, 2, t0);
            t.insert(other, 3, t0);
            // just before the UDP timeout: all alive (a lookup refreshes, so look up only what must stay)
            assertThat(t.lookup(udp, t0 + 2 * SECOND - TICK)).isEqualTo(2);
            assertThat(t.lookup(other, t0 + 2 * SECOND + 3 * TICK)).as("past the UDP timeout").isEqualTo(NOT_FOUND);
            assertThat(t.lookup(udp, t0 + 4 * SECOND)).as("idle 2 s since its last hit").isEqualTo(NOT_FOUND);
            assertThat(t.lookup(tcp, t0 + 10 * SECOND - TICK)).as("within the TCP timeout").isEqualTo(1);
            assertThat(t.lookup(tcp, t0 + 20 * SECOND - 2 * TICK)).as("refreshed by the last hit").isEqualTo(1);
            assertThat(t.lookup(tcp, t0 + 30 * SECOND)).as("idle 10 s").isEqualTo(NOT_FOUND);
            assertThat(t.misses()).isEqualTo(3);
            // an expired entry counts until reused; inserting the same key reuses its way
            assertThat(t.size()).isEqualTo(3);
            t.insert(tcp, 5, t0 + 31 * SECOND);
            assertThat(t.size()).isEqualTo(3);
            assertThat(t.lookup(tcp, t0 + 31 * SECOND)).isEqualTo(5);
        }
    }

    @Test
    void expiryWorksWithNegativeClockReadings() {
        // System.nanoTime() may be negative; only differences matter
        try (ConnectionTable t = new ConnectionTable(64, 10 * SECOND, 2 * SECOND)) {
            FlowKey tcp = v4(0, FlowKey.TCP, 1, 1);
            long t0 = -5 * SECOND;
            t.insert(tcp, 4, t0);
            assertThat(t.lookup(tcp, t0 + 9 * SECOND)).isEqualTo(4);
            assertThat(t.lookup(tcp, t0 + 20 * SECOND)).isEqualTo(NOT_FOUND);
        }
    }

    @Test
    void expiredWaysAreReusedWithoutCountingAnEviction() {
        try (ConnectionTable t = new ConnectionTable(ConnectionTableDescriptor.WAYS, TCP_IDLE, 2 * SECOND)) {
            assertThat(t.capacity()).isEqualTo(ConnectionTableDescriptor.WAYS);
            for (int i = 0; i < ConnectionTableDescriptor.WAYS; i++) {
                t.insert(v4(0, FlowKey.UDP, i, i), i, 0);
            }
            FlowKey late = v4(0, FlowKey.UDP, 100, 100);
            t.insert(late, 100, 10 * SECOND);
            assertThat(t.evictions()).isZero();
            assertThat(t.size()).isEqualTo(ConnectionTableDescriptor.WAYS);
            assertThat(t.lookup(late, 10 * SECOND)).isEqualTo(100);
        }
    }

    @Test
    void aFullBucketEvictsItsLeastRecentlySeenEntryAndCountsIt() {
        int ways = ConnectionTableDescriptor.WAYS;
        try (ConnectionTable t = new ConnectionTable(ways, TCP_IDLE, UDP_IDLE)) { // one bucket
            FlowKey[] keys = new FlowKey[ways];
            for (int i = 0; i < ways; i++) {
                keys[i] = v4(0, FlowKey.TCP, i, 1000 + i);
                assertThat(t.insert(keys[i], i, i * SECOND)).isEqualTo(ConnectionTable.NO_EVICTION);
            }
            // key 0 seen again last: key 1 is now the least recently seen
            assertThat(t.lookup(keys[0], 10 * SECOND)).isEqualTo(0);
            FlowKey extra = v4(7, FlowKey.TCP, 99, 99);
            long evicted = t.insert(extra, 99, 11 * SECOND);
            assertThat(ConnectionTable.evictedVip(evicted)).as("the evicted entry's VIP").isZero();
            assertThat(ConnectionTable.evictedBackend(evicted)).as("and its backend").isEqualTo(1);
            assertThat(t.evictions()).isEqualTo(1);
            assertThat(t.size()).isEqualTo(ways);
            assertThat(t.lookup(keys[1], 11 * SECOND)).isEqualTo(NOT_FOUND);
            assertThat(t.lookup(keys[0], 11 * SECOND)).isEqualTo(0);
            assertThat(t.lookup(extra, 11 * SECOND)).isEqualTo(99);
            for (int i = 2; i < ways; i++) {
                assertThat(t.lookup(keys[i], 11 * SECOND)).isEqualTo(i);
            }
        }
    }

    @Test
    void theTableNeverGrows() {
        try (ConnectionTable t = new ConnectionTable(1000, TCP_IDLE, UDP_IDLE)) {
            assertThat(t.capacity()).isEqualTo(1024);
            SplittableRandom r = new SplittableRandom(1);
            FlowKey k = new FlowKey();
            for (int i = 0; i < 100_000; i++) {
                k.ipv4(r.nextInt(4), FlowKey.TCP, r.nextInt(), r.nextInt(65536), 80);
                t.insert(k, i, i);
            }
            assertThat(t.size()).isEqualTo(1024);
            assertThat(t.evictions()).isEqualTo(100_000 - 1024);
        }
    }

    @Test
    void evictionsAtHalfLoadAreWithinWhatThePoissonModelSays() {
        // 2^20 entries, 2^19 random flows: about 4 % find their bucket full (Poisson, mean 2 per 4-way bucket)
        try (ConnectionTable t = new ConnectionTable(1 << 20, TCP_IDLE, UDP_IDLE)) {
            SplittableRandom r = new SplittableRandom(2);
            FlowKey k = new FlowKey();
            int flows = 1 << 19;
            for (int i = 0; i < flows; i++) {
                k.ipv6(0, FlowKey.TCP, r.nextLong(), r.nextLong(), r.nextInt(65536), 443);
                t.insert(k, i, 0);
            }
            double share = t.evictions() / (double) flows;
            assertThat(share).isBetween(0.030, 0.045);
            assertThat(t.size()).isEqualTo(flows - (int) t.evictions());
        }
    }

    @Test
    void removeForgetsOnlyThatKey() {
        try (ConnectionTable t = new ConnectionTable(ConnectionTableDescriptor.WAYS, TCP_IDLE, UDP_IDLE)) {
            FlowKey a = v4(0, FlowKey.TCP, 1, 1);
            FlowKey b = v4(0, FlowKey.TCP, 2, 2);
            t.insert(a, 1, 0);
            t.insert(b, 2, 0);
            t.remove(a);
            t.remove(a);
            assertThat(t.size()).isEqualTo(1);
            assertThat(t.lookup(a, 0)).isEqualTo(NOT_FOUND);
            assertThat(t.lookup(b, 0)).isEqualTo(2);
            // a removed key's words stay in its way: reinserting in another way must still be found
            t.remove(b);
            t.insert(b, 3, 0);
            t.insert(a, 4, 0);
            assertThat(t.lookup(a, 0)).isEqualTo(4);
            assertThat(t.lookup(b, 0)).isEqualTo(3);
            t.insert(a, NOT_FOUND, 0);
            assertThat(t.lookup(a, 0)).as("a negative backend removes").isEqualTo(NOT_FOUND);
            assertThat(t.size()).isEqualTo(1);
        }
    }

    @Test
    void removingFromAFullBucketKeepsEveryOtherEntryAndItsPlace() {
        int ways = ConnectionTableDescriptor.WAYS;
        for (int removed = 0; removed < ways; removed++) {
            try (ConnectionTable t = new ConnectionTable(ways, TCP_IDLE, UDP_IDLE)) {
                FlowKey[] k = new FlowKey[ways];
                for (int i = 0; i < ways; i++) {
                    k[i] = v4(0, FlowKey.TCP, 100 + i, 1);
                    t.insert(k[i], i, 0);
                }
                t.remove(k[removed]);
                for (int i = 0; i < ways; i++) {
                    t.prefetch(k[i]);
                    assertThat(t.lookup(k[i], 0)).as("way " + i + " after removing " + removed)
                            .isEqualTo(i == removed ? NOT_FOUND : i);
                }
                FlowKey fresh = v4(0, FlowKey.TCP, 999, 1);
                assertThat(t.insert(fresh, 77, 0)).as("the freed way takes a new entry").isEqualTo(ConnectionTable.NO_EVICTION);
                assertThat(t.evictions()).isZero();
                assertThat(t.size()).isEqualTo(ways);
                assertThat(t.lookup(fresh, 0)).isEqualTo(77);
                t.prefetch(k, ways);
                for (int i = 0; i < ways; i++) {
                    assertThat(t.lookup(k[i], 0)).isEqualTo(i == removed ? NOT_FOUND : i);
                }
            }
        }
    }

    @Test
    void prefetchChangesNothing() {
        try (ConnectionTable t = new ConnectionTable(256, TCP_IDLE, UDP_IDLE)) {
            FlowKey a = v4(0, FlowKey.TCP, 1, 1);
            t.prefetch(a);
            assertThat(t.lookup(a, 0)).isEqualTo(NOT_FOUND);
            t.insert(a, 5, 0);
            t.prefetch(a);
            assertThat(t.lookup(a, 0)).isEqualTo(5);
            assertThat(t.size()).isEqualTo(1);
        }
    }

    @Test
    void capacityRoundsUpToAPowerOfTwoOfBuckets() {
        int ways = ConnectionTableDescriptor.WAYS;
        int[][] cases = {{1, ways}, {ways, ways}, {ways + 1, 2 * ways}, {1000, 1024}, {1 << 20, 1 << 20}, {(1 << 20) + 1, 1 << 21}};
        for (int[] c : cases) {
            try (ConnectionTable t = new ConnectionTable(c[0], 0, 0)) {
                assertThat(t.capacity()).as("capacity " + c[0]).isEqualTo(c[1]);
            }
        }
    }

    @Test
    void rejectsWhatItCannotHold() {
        assertThatThrownBy(() -> new ConnectionTable(0, 1, 1)).hasMessageContaining("capacity 0 is out of range 1..");
        assertThatThrownBy(() -> new ConnectionTable(ConnectionTable.MAX_CAPACITY + 1, 1, 1)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> new ConnectionTable(16, -1, 1)).hasMessageContaining("must not be negative");
    }

    @Test
    void closeIsIdempotent() {
        ConnectionTable t = new ConnectionTable(16, 1, 1);
        t.close();
        t.close();
    }

    /** A flow of the reference model. */
    /** A flow as the table keys it: under one VIP, which fixes the destination address. */
    private record Flow(boolean v6, int vip, int protocol, long srcHi, long srcLo, int srcPort, int dstPort) {
        void setInto(FlowKey k) {
            if (v6) {
                k.ipv6(vip, protocol, srcHi, srcLo, srcPort, dstPort);
            } else {
                k.ipv4(vip, protocol, (int) srcLo, srcPort, dstPort);
            }
        }

        static Flow random(SplittableRandom r) {
            boolean v6 = r.nextBoolean();
            int protocol = r.nextBoolean() ? FlowKey.TCP : FlowKey.UDP;
            // narrow ranges so that flows share fields and differ in one
            long src = r.nextInt(64);
            return v6
                    ? new Flow(true, r.nextInt(3), protocol, 0x2001_0db8L << 32, src, r.nextInt(8), 80 + r.nextInt(2))
                    : new Flow(false, r.nextInt(3), protocol, 0, src, r.nextInt(8), 80 + r.nextInt(2));
        }
    }

    /** The model's entry: backend and last-seen time. */
    private record Seen(int backend, long nanos) {
    }

    @Test
    void matchesAHashMapModelWhenNothingIsEvicted() {
        long tcpIdle = 30 * SECOND;
        long udpIdle = 10 * SECOND;
        // far more room than the flows the generator can make (3*2*16*4*8*2 per family, 12288 in all), so that no
        // bucket overflows (the run is seeded and checks it) and the model, which never evicts, is exact
        try (ConnectionTable t = new ConnectionTable(1 << 20, tcpIdle, udpIdle)) {
            SplittableRandom r = new SplittableRandom(42);
            Map<Flow, Seen> model = new HashMap<>();
            FlowKey k = new FlowKey();
            long now = 0;
            long lookups = 0;
            long hits = 0;
            for (int op = 0; op < 400_000; op++) {
                // time moves on by whole ticks, so the model's idea of "expired" is the table's exactly
                now += r.nextInt(2) * TICK;
                Flow f = Flow.random(r);
                f.setInto(k);
                int choice = r.nextInt(10);
                if (choice < 5) {
                    lookups++;
                    Seen s = model.get(f);
                    long idle = f.protocol() == FlowKey.TCP ? tcpIdle : udpIdle;
                    boolean alive = s != null && (now - s.nanos()) / TICK <= ConnectionTableDescriptor.idleTicks(idle);
                    int got = t.lookup(k, now);
                    if (alive) {
                        hits++;
                        assertThat(got).as("op %d lookup %s", op, f).isEqualTo(s.backend());
                        model.put(f, new Seen(s.backend(), now));
                    } else {
                        assertThat(got).as("op %d lookup %s", op, f).isEqualTo(NOT_FOUND);
                    }
                } else if (choice < 9) {
                    int backend = r.nextInt(100);
                    t.insert(k, backend, now);
                    model.put(f, new Seen(backend, now));
                } else {
                    t.remove(k);
                    model.remove(f);
                }
            }
            assertThat(t.evictions()).isZero();
            // size counts expired entries until their way is reused (by any key of the bucket)
            final long end = now;
            long alive = model.entrySet().stream().filter(e -> (end - e.getValue().nanos()) / TICK
                    <= ConnectionTableDescriptor.idleTicks(e.getKey().protocol() == FlowKey.TCP ? tcpIdle : udpIdle)).count();
            assertThat((long) t.size()).isBetween(alive, (long) model.size());
            assertThat(t.hits()).isEqualTo(hits);
            assertThat(t.misses()).isEqualTo(lookups - hits);
            assertThat(hits).as("the mix exercises hits and misses").isBetween(lookups / 5, lookups * 4 / 5);
        }
    }

    @Test
    void underEvictionPressureAHitIsAlwaysTheLastBackendInserted() {
        try (ConnectionTable t = new ConnectionTable(256, TCP_IDLE, UDP_IDLE)) {
            SplittableRandom r = new SplittableRandom(7);
            Map<Flow, Integer> model = new HashMap<>();
            List<Flow> flows = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                flows.add(Flow.random(r));
            }
            FlowKey k = new FlowKey();
            long lookups = 0;
            for (int op = 0; op < 200_000; op++) {
                Flow f = flows.get(r.nextInt(flows.size()));
                f.setInto(k);
                if (r.nextBoolean()) {
                    int backend = r.nextInt(1000);
                    t.insert(k, backend, op);
                    model.put(f, backend);
                } else {
                    lookups++;
                    int got = t.lookup(k, op);
                    if (got != NOT_FOUND) {
                        assertThat(got).as("op %d lookup %s", op, f).isEqualTo(model.get(f));
                    }
                }
                assertThat(t.size()).isLessThanOrEqualTo(t.capacity());
            }
            assertThat(t.evictions()).isPositive();
            assertThat(t.hits() + t.misses()).isEqualTo(lookups);
            assertThat(t.hits()).isPositive();
        }
    }
}
