package dev.sluice.lb.dataplane;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.stats.BackendCounts;
import dev.sluice.lb.stats.BackendView;
import dev.sluice.lb.stats.LbMetrics;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.lb.stats.StatsColumns;
import dev.sluice.lb.stats.VipCounts;
import dev.sluice.testing.FrameBuilder;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.sluice.lb.config.Protocol.TCP;
import static dev.sluice.lb.dataplane.Frames.CLIENT_MAC;
import static dev.sluice.lb.dataplane.Frames.mac;
import static dev.sluice.lb.dataplane.LbRig.backend;
import static dev.sluice.lb.dataplane.LbRig.ip;
import static dev.sluice.lb.dataplane.LbRig.vip;
import static org.assertj.core.api.Assertions.assertThat;

/** What the handler counts per VIP and per backend, checked against where its packets went. */
class LbHandlerStatsTest {
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int FLOWS = 600;

    final LbStats stats = new LbStats(1, 32);
    /** A clock that stands still: no rate is computed, whatever the machine's speed. */
    final LbMetrics metrics = new LbMetrics(stats, CounterAllocator.inMemory(), () -> 0L, java.time.Duration.ofSeconds(2));
    final LbTablesBuilder builder = new LbTablesBuilder();

    static byte[] tcp(String vip, int i, int flags) {
        return new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                .ipv4(0xC6_12_00_00 | i, FrameBuilder.ipv4(vip), 6).tcp(1024 + i, 80, flags, 0, new byte[i % 7]).build();
    }

    LbTables tables(LbConfig config, MacSource macs) {
        metrics.apply(config);
        return builder.build(config, LbRig.OWN_MAC, 1500, macs, List.of(), metrics);
    }

    /** Sends one packet of each flow; returns the verdict outputs. */
    static List<LbRig.Out> send(LbRig rig, String vip, int flows, int flags, List<Integer> lengths) {
        List<LbRig.Out> all = new ArrayList<>();
        for (int from = 0; from < flows; from += LbRig.SLOTS) {
            List<byte[]> burst = new ArrayList<>();
            for (int i = from; i < Math.min(flows, from + LbRig.SLOTS); i++) {
                byte[] f = tcp(vip, i, flags);
                burst.add(f);
                lengths.add(f.length);
            }
            all.addAll(rig.burst(0, burst));
        }
        return all;
    }

    @Test
    void everyForwardedPacketCountsForItsBackendAndItsVipWithItsBytesAndNewFlows() {
        LbConfig config = LbRig.config(vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR,
                backend("10.0.1.10"), backend("10.0.1.11"), backend("10.0.1.12")));
        // a table with room to spare: every ACK finds its flow (a miss would be a second new flow)
        try (LbRig rig = new LbRig(tables(config, LbRig.macs()), 1 << 16, stats.worker(0))) {
            Map<Integer, long[]> expected = new HashMap<>(); // last address byte -> packets, bytes, new flows
            for (int flags : new int[] {SYN, ACK}) {
                List<Integer> lengths = new ArrayList<>();
                List<LbRig.Out> out = send(rig, "10.0.0.100", FLOWS, flags, lengths);
                for (int i = 0; i < out.size(); i++) {
                    assertThat(out.get(i).verdict()).isZero();
                    int backend = (int) (mac(out.get(i).frame(), 0) & 0xFF);
                    long[] e = expected.computeIfAbsent(backend, k -> new long[3]);
                    e[0]++;
                    e[1] += lengths.get(i);
                    e[2] += flags == SYN ? 1 : 0;
                }
            }
            metrics.update(ALL_UP);
            assertThat(expected.keySet()).containsExactlyInAnyOrder(10, 11, 12);
            long bytes = 0;
            for (var e : expected.entrySet()) {
                long[] x = e.getValue();
                assertThat(metrics.backend("web", ip("10.0.1." + e.getKey())))
                        .isEqualTo(new BackendCounts(x[0], x[1], x[2], 0));
                bytes += x[1];
            }
            assertThat(metrics.vip("web")).isEqualTo(new VipCounts(2 * FLOWS, bytes, FLOWS, 0, 0));
            int vipRow = metrics.vipRow("web");
            assertThat(stats.sum(vipRow, StatsColumns.CONN_HIT)).isEqualTo(FLOWS); // the ACKs; SYNs skip the lookup
            assertThat(stats.sum(vipRow, StatsColumns.CONN_MISS)).isZero();
            assertThat(rig.counters.get(LbCounters.FORWARDED)).isEqualTo(2 * FLOWS);

            // a packet to no VIP counts in no VIP's row
            rig.one(tcp("10.0.0.99", 1, ACK));
            metrics.update(ALL_UP);
            assertThat(metrics.vip("web").packets()).isEqualTo(2 * FLOWS);
            assertThat(stats.sum(vipRow, StatsColumns.DROPPED)).isZero();
        }
    }

    @Test
    void anEvictedEntryCountsForTheBackendItsFlowHad() {
        LbConfig config = LbRig.config(vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR,
                backend("10.0.1.10"), backend("10.0.1.11"), backend("10.0.1.12")));
        int ways = dev.sluice.lb.conntrack.ConnectionTableDescriptor.WAYS;
        int flows = 5 * ways;
        // one bucket: each SYN beyond the first `ways` evicts the least recently seen entry, i.e.
        // flow i is evicted by flow i + ways
        try (LbRig rig = new LbRig(tables(config, LbRig.macs()), ways, stats.worker(0))) {
            Map<Integer, Long> expected = new HashMap<>(); // last address byte -> entries evicted
            List<LbRig.Out> out = new ArrayList<>();
            for (int i = 0; i < flows; i++) {
                rig.now += 1L << 30; // a tick of the table's clock per flow: least recently seen = inserted first
                out.add(rig.one(tcp("10.0.0.100", i, SYN)));
            }
            for (int i = 0; i < flows - ways; i++) {
                expected.merge((int) (mac(out.get(i).frame(), 0) & 0xFF), 1L, Long::sum);
            }
            metrics.update(ALL_UP);
            long total = 0;
            for (int last : new int[] {10, 11, 12}) {
                long evicted = stats.sum(metrics.backendRow("web", ip("10.0.1." + last)), StatsColumns.CONN_EVICTION);
                assertThat(evicted).as("backend 10.0.1." + last).isEqualTo(expected.getOrDefault(last, 0L));
                total += evicted;
            }
            assertThat(total).isEqualTo(flows - ways).isEqualTo(rig.counters.get(LbCounters.CONN_EVICTION));
        }
    }

    @Test
    void anEncapsulatedPacketCountsTheBytesItArrivedWith() {
        LbConfig config = LbRig.config(vip("tunnel", "10.0.0.101", TCP, 80, Forwarding.IPIP, backend("10.0.2.1")));
        try (LbRig rig = new LbRig(tables(config, LbRig.macs()), 1 << 12, stats.worker(0))) {
            byte[] in = tcp("10.0.0.101", 3, SYN);
            LbRig.Out out = rig.one(in);
            assertThat(out.frame().length).isEqualTo(in.length + 20);
            metrics.update(ALL_UP);
            assertThat(metrics.backend("tunnel", ip("10.0.2.1"))).isEqualTo(new BackendCounts(1, in.length, 1, 0));
            assertThat(metrics.vip("tunnel")).isEqualTo(new VipCounts(1, in.length, 1, 0, 0));
        }
    }

    @Test
    void dropsOnceTheVipIsKnownCountForTheVipWithTheirReason() {
        InetAddress lost = ip("10.0.1.10");
        boolean[] unknown = {false};
        MacSource macs = (target, mode) -> unknown[0] && target.equals(lost) ? MacSource.UNKNOWN : LbRig.macs().mac(target, mode);
        LbConfig config = LbRig.config(
                vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR, backend("10.0.1.10")),
                vip("empty", "10.0.0.102", TCP, 80, Forwarding.DSR, new BackendConfig(ip("10.0.1.20"), 0, BackendConfig.MAC_FROM_KERNEL)));
        try (LbRig rig = new LbRig(tables(config, macs), 1 << 12, stats.worker(0))) {
            assertThat(rig.one(tcp("10.0.0.100", 1, SYN)).verdict()).isZero();
            rig.one(tcp("10.0.0.102", 1, SYN));
            rig.one(tcp("10.0.0.102", 2, ACK));
            unknown[0] = true; // the backend's MAC is lost: its established flow has nowhere to go
            rig.tables.publishRelease(tables(config, macs));
            rig.one(tcp("10.0.0.100", 1, ACK));

            int web = metrics.vipRow("web");
            assertThat(stats.sum(web, StatsColumns.DROPPED)).isEqualTo(1);
            assertThat(stats.sum(web, StatsColumns.DROP_NO_MAC)).isEqualTo(1);
            assertThat(stats.sum(web, StatsColumns.DROP_NO_BACKEND)).isZero();
            assertThat(stats.sum(web, StatsColumns.CONN_HIT)).isEqualTo(1);
            int empty = metrics.vipRow("empty");
            assertThat(stats.sum(empty, StatsColumns.DROPPED)).isEqualTo(2);
            assertThat(stats.sum(empty, StatsColumns.DROP_NO_BACKEND)).isEqualTo(2);
            assertThat(stats.sum(empty, StatsColumns.CONN_MISS)).isEqualTo(1);
            metrics.update(ALL_UP);
            assertThat(metrics.vip("empty")).isEqualTo(new VipCounts(0, 0, 0, 2, 0));
            assertThat(metrics.vip("web").packets()).isEqualTo(1);
            assertThat(rig.counters.get(LbCounters.DROP_NO_MAC)).isEqualTo(1);
            assertThat(rig.counters.get(LbCounters.DROP_NO_BACKEND)).isEqualTo(2);
        }
    }

    @Test
    void theHandlerWithoutStatisticsStillForwardsOverTablesWithoutRows() {
        LbConfig config = LbRig.config(vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR, backend("10.0.1.10")));
        try (LbRig rig = new LbRig(LbRig.tables(config))) {
            assertThat(rig.one(tcp("10.0.0.100", 1, SYN)).verdict()).isZero();
            assertThat(rig.tables.getAcquire().vip(0).statsRow()).isEqualTo(LbStats.SINK);
            assertThat(rig.tables.getAcquire().vip(0).backendStatsRow(0)).isEqualTo(LbStats.SINK);
        }
    }

    /**
     * Counting per VIP and per backend allocates nothing: the JVM's per-thread allocation counter over
     * many bursts after warm-up (SYNs, established packets and drops of two VIPs, one encapsulated).
     */
    @Test
    void countingAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        LbConfig config = LbRig.config(
                vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR, backend("10.0.1.10"), backend("10.0.1.11")),
                vip("tunnel", "10.0.0.101", TCP, 80, Forwarding.IPIP, backend("10.0.2.1")),
                vip("empty", "10.0.0.102", TCP, 80, Forwarding.DSR, new BackendConfig(ip("10.0.1.20"), 0, BackendConfig.MAC_FROM_KERNEL)));
        try (LbRig rig = new LbRig(tables(config, LbRig.macs()), 1 << 12, stats.worker(0))) {
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                frames.add(tcp("10.0.0.100", i, i < 2 ? SYN : ACK));
            }
            frames.add(tcp("10.0.0.101", 1, SYN));
            frames.add(tcp("10.0.0.101", 2, ACK));
            frames.add(tcp("10.0.0.102", 3, ACK));
            frames.add(tcp("10.0.0.99", 4, ACK));
            int n = frames.size();
            java.lang.foreign.MemorySegment templates = rig.arena.allocate(n * 2048L);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                java.lang.foreign.MemorySegment.copy(frames.get(i), 0, templates, java.lang.foreign.ValueLayout.JAVA_BYTE,
                        i * 2048L, frames.get(i).length);
                lengths[i] = frames.get(i).length;
            }
            dev.sluice.pipeline.runtime.Verdicts verdicts = dev.sluice.pipeline.runtime.Verdicts.forBurst(new int[n]);
            Runnable burst = () -> {
                rig.batch.clear();
                for (int i = 0; i < n; i++) {
                    long at = i * (long) LbRig.FRAME + LbRig.HEADROOM;
                    java.lang.foreign.MemorySegment.copy(templates, i * 2048L, rig.umem, at, lengths[i]);
                    rig.batch.add(at, lengths[i]);
                }
                rig.handler.onBurst(rig.batch, verdicts);
            };
            for (int r = 0; r < 20_000; r++) {
                burst.run(); // warm-up: let C2 compile the handler
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int r = 0; r < 100_000; r++) {
                burst.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated over %d bursts", 100_000).isLessThan(1024);
            metrics.update(ALL_UP);
            assertThat(metrics.vip("web").packets()).isEqualTo(120_000L * 8);
            assertThat(metrics.vip("tunnel").packets()).isEqualTo(120_000L * 2);
            assertThat(metrics.vip("empty").dropped()).isEqualTo(120_000L);
        }
    }

    static final BackendView ALL_UP = new BackendView() {
        @Override
        public boolean up(String vip, InetAddress backend) {
            return true;
        }

        @Override
        public boolean drained(String vip, InetAddress backend) {
            return false;
        }

        @Override
        public int weight(String vip, InetAddress backend) {
            return 100;
        }

        @Override
        public int effectiveWeight(String vip, InetAddress backend) {
            return 100;
        }

        @Override
        public long healthChanges(String vip, InetAddress backend) {
            return 0;
        }
    };
}
