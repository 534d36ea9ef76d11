package dev.sluice.lb.stats;

import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.counters.Labels;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConnectionsConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.HashFields;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Protocol;
import dev.sluice.lb.config.VipConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LbMetricsTest {
    static final Duration QUARANTINE = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    CountersFile file;
    long now = 1_000_000_000L;

    @AfterEach
    void closeFile() {
        if (file != null) {
            file.close();
        }
    }

    CountersFile file(int capacity) {
        file = CountersFile.create(dir, "lb-test", "test", capacity);
        return file;
    }

    LbMetrics metrics(LbStats stats, CountersFile counters) {
        return new LbMetrics(stats, counters, () -> now, QUARANTINE);
    }

    @Test
    void everyVipAndBackendGetsAGroupWithItsLabelsAndARowOfItsOwn() {
        LbStats stats = new LbStats(1, 16);
        LbMetrics m = metrics(stats, file(64));
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.11", "10.0.1.12"), vip("web6", "fd00::100", "fd00:1::11")));

        Map<String, CountersReader.Group> groups = groups();
        assertThat(groups.keySet()).containsExactlyInAnyOrder("lb_vip vip=web", "lb_vip vip=web6",
                "lb_backend vip=web backend=10.0.1.11", "lb_backend vip=web backend=10.0.1.12",
                "lb_backend vip=web6 backend=fd00:1::11");
        CountersReader.Group vip = groups.get("lb_vip vip=web");
        assertThat(vip.labels()).isEqualTo(Labels.of("vip", "web"));
        assertThat(vip.counters()).extracting(CountersReader.Counter::name).containsExactly("packets", "bytes",
                "new_flows", "conn_hit", "conn_miss", "dropped", "drop_no_backend", "drop_no_mac", "backends", "backends_up");
        assertThat(vip.counters()).extracting(CountersReader.Counter::type).containsExactly(CounterType.COUNTER,
                CounterType.COUNTER, CounterType.COUNTER, CounterType.COUNTER, CounterType.COUNTER, CounterType.COUNTER,
                CounterType.COUNTER, CounterType.COUNTER, CounterType.GAUGE, CounterType.GAUGE);
        CountersReader.Group backend = groups.get("lb_backend vip=web backend=10.0.1.11");
        assertThat(backend.labels()).isEqualTo(Labels.of("vip", "web", "backend", "10.0.1.11"));
        assertThat(backend.counters()).extracting(CountersReader.Counter::name).containsExactly("packets", "bytes",
                "new_flows", "conn_eviction", "health_changes", "up", "weight", "effective_weight", "drained");
        assertThat(backend.counters()).extracting(CountersReader.Counter::type).containsExactly(CounterType.COUNTER,
                CounterType.COUNTER, CounterType.COUNTER, CounterType.COUNTER, CounterType.COUNTER, CounterType.GAUGE,
                CounterType.GAUGE, CounterType.GAUGE, CounterType.GAUGE);

        List<Integer> rows = List.of(m.vipRow("web"), m.vipRow("web6"), m.backendRow("web", ip("10.0.1.11")),
                m.backendRow("web", ip("10.0.1.12")), m.backendRow("web6", ip("fd00:1::11")));
        assertThat(rows).doesNotHaveDuplicates().allSatisfy(r -> assertThat(r).isBetween(1, 15));
        assertThat(m.vipRow("nope")).isEqualTo(LbStats.SINK);
        assertThat(m.backendRow("web", ip("10.0.1.99"))).isEqualTo(LbStats.SINK);
        assertThat(m.backendRow("web6", ip("10.0.1.11"))).isEqualTo(LbStats.SINK);
        assertThat(m.rowsInUse()).isEqualTo(5);
    }

    @Test
    void updateSumsTheWorkersRowsIntoTheGroupsSetsTheGaugesAndComputesRates() {
        LbStats stats = new LbStats(2, 16);
        LbMetrics m = metrics(stats, file(64));
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.11", "10.0.1.12")));
        int vipRow = m.vipRow("web");
        int b11 = m.backendRow("web", ip("10.0.1.11"));
        int b12 = m.backendRow("web", ip("10.0.1.12"));
        stats.worker(0).add(b11, StatsColumns.PACKETS, 3);
        stats.worker(1).add(b11, StatsColumns.PACKETS, 4);
        stats.worker(0).add(b11, StatsColumns.BYTES, 300);
        stats.worker(1).add(b11, StatsColumns.BYTES, 400);
        stats.worker(1).add(b11, StatsColumns.NEW_FLOWS, 2);
        stats.worker(0).add(b12, StatsColumns.PACKETS, 1);
        stats.worker(0).add(vipRow, StatsColumns.PACKETS, 8);
        stats.worker(1).add(vipRow, StatsColumns.CONN_HIT, 5);
        stats.worker(0).add(vipRow, StatsColumns.CONN_MISS, 3);
        stats.worker(0).add(vipRow, StatsColumns.DROPPED, 2);
        stats.worker(1).add(vipRow, StatsColumns.DROP_NO_BACKEND, 1);
        stats.worker(1).add(vipRow, StatsColumns.DROP_NO_MAC, 1);
        View view = new View();
        view.down.add(ip("10.0.1.12"));
        view.drained.add(ip("10.0.1.11"));
        view.changes.put(ip("10.0.1.12"), 3L);
        m.update(view);

        Map<String, CountersReader.Group> groups = groups();
        CountersReader.Group b = groups.get("lb_backend vip=web backend=10.0.1.11");
        assertThat(b.value("packets")).isEqualTo(7);
        assertThat(b.value("bytes")).isEqualTo(700);
        assertThat(b.value("new_flows")).isEqualTo(2);
        assertThat(b.value("up")).isEqualTo(1);
        assertThat(b.value("drained")).isEqualTo(1);
        assertThat(b.value("weight")).isEqualTo(100);
        assertThat(b.value("effective_weight")).isEqualTo(0);
        assertThat(b.value("health_changes")).isEqualTo(0);
        CountersReader.Group down = groups.get("lb_backend vip=web backend=10.0.1.12");
        assertThat(down.value("packets")).isEqualTo(1);
        assertThat(down.value("up")).isEqualTo(0);
        assertThat(down.value("drained")).isEqualTo(0);
        assertThat(down.value("health_changes")).isEqualTo(3);
        assertThat(down.value("effective_weight")).isEqualTo(0);
        CountersReader.Group v = groups.get("lb_vip vip=web");
        assertThat(v.value("packets")).isEqualTo(8);
        assertThat(v.value("conn_hit")).isEqualTo(5);
        assertThat(v.value("conn_miss")).isEqualTo(3);
        assertThat(v.value("dropped")).isEqualTo(2);
        assertThat(v.value("drop_no_backend")).isEqualTo(1);
        assertThat(v.value("drop_no_mac")).isEqualTo(1);
        assertThat(v.value("backends")).isEqualTo(2);
        assertThat(v.value("backends_up")).isEqualTo(1);

        assertThat(m.backend("web", ip("10.0.1.11"))).isEqualTo(new BackendCounts(7, 700, 2, 0));
        assertThat(m.vip("web")).isEqualTo(new VipCounts(8, 0, 0, 2, 0));
        assertThat(m.backend("web", ip("10.0.1.99"))).isEqualTo(BackendCounts.ZERO);
        assertThat(m.vip("nope")).isEqualTo(VipCounts.ZERO);

        // rates: over a window of at least a second
        now += 500_000_000L;
        stats.worker(0).add(b11, StatsColumns.PACKETS, 1000);
        m.update(view);
        assertThat(m.backend("web", ip("10.0.1.11")).packetsPerSecond()).isZero();
        now += 1_500_000_000L;
        stats.worker(1).add(b11, StatsColumns.PACKETS, 1000);
        m.update(view);
        // 2007 packets over the 2 s since the group was made
        assertThat(m.backend("web", ip("10.0.1.11")).packetsPerSecond()).isEqualTo(1003.5);
        assertThat(m.backend("web", ip("10.0.1.11")).packets()).isEqualTo(2007);
        now += 1_000_000_000L;
        stats.worker(1).add(b11, StatsColumns.PACKETS, 250);
        m.update(view);
        assertThat(m.backend("web", ip("10.0.1.11")).packetsPerSecond()).isEqualTo(250.0);
    }

    @Test
    void groupsOfRemovedVipsAndBackendsAreFreedSoTheFileDoesNotGrowOverReloads() {
        LbStats stats = new LbStats(1, 32);
        CountersFile f = file(16);
        LbMetrics m = metrics(stats, f);
        LbConfig a = config(vip("web", "10.0.0.100", "10.0.1.1", "10.0.1.2", "10.0.1.3"), vip("dns", "10.0.0.53", "10.0.1.9"));
        LbConfig b = config(vip("web", "10.0.0.100", "10.0.1.3", "10.0.1.4", "10.0.1.5"));
        LbConfig c = config(vip("web", "10.0.0.100", "10.0.1.6"), vip("mail", "10.0.0.25", "10.0.1.7", "10.0.1.8"));
        m.apply(a);
        int first = f.allocated();
        assertThat(first).isEqualTo(6);
        m.apply(b);
        assertThat(groups().keySet()).containsExactlyInAnyOrder("lb_vip vip=web", "lb_backend vip=web backend=10.0.1.3",
                "lb_backend vip=web backend=10.0.1.4", "lb_backend vip=web backend=10.0.1.5");
        LbConfig[] cycle = {a, b, c};
        int most = 0;
        for (int i = 0; i < 100; i++) {
            now += QUARANTINE.toNanos() / 3; // some reloads come before the rows of the last ones are free again
            m.apply(cycle[i % 3]);
            m.update(new View());
            most = Math.max(most, f.allocated());
        }
        assertThat(most).isEqualTo(6); // the largest configuration's groups, never more
        assertThat(m.rowsInUse() + m.rowsQuarantined()).isLessThan(32);
        m.apply(b);
        assertThat(f.allocated()).isEqualTo(4);
        m.close();
        assertThat(f.allocated()).isZero();
        assertThat(groups()).isEmpty();
    }

    @Test
    void aFreedRowIsQuarantinedThenReusedFromItsOwnersLastCount() {
        LbStats stats = new LbStats(1, 4); // the sink and 3 rows
        LbMetrics m = metrics(stats, file(16));
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.1")));
        int rowOf1 = m.backendRow("web", ip("10.0.1.1"));
        stats.worker(0).add(rowOf1, StatsColumns.PACKETS, 50);

        now += 1;
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.2"))); // 10.0.1.1's row quarantined
        int rowOf2 = m.backendRow("web", ip("10.0.1.2"));
        assertThat(rowOf2).isNotEqualTo(rowOf1);
        assertThat(m.rowsQuarantined()).isEqualTo(1);
        stats.worker(0).add(rowOf1, StatsColumns.PACKETS, 5); // a worker still on the old tables

        now += QUARANTINE.toNanos() - 2;
        LbConfig three = config(vip("web", "10.0.0.100", "10.0.1.3"));
        assertThatThrownBy(() -> m.apply(three)).isInstanceOf(StatsFullException.class)
                .hasMessage("no statistics row left for vip web backend 10.0.1.3: all 3 rows are in use or were freed by a "
                        + "reload less than 2000 ms ago (1)");
        assertThat(m.backendRow("web", ip("10.0.1.2"))).isEqualTo(rowOf2); // untouched
        assertThat(m.backendRow("web", ip("10.0.1.3"))).isEqualTo(LbStats.SINK);
        assertThat(groups()).containsKey("lb_backend vip=web backend=10.0.1.2");

        now += 2;
        m.apply(three);
        assertThat(m.backendRow("web", ip("10.0.1.3"))).isEqualTo(rowOf1);
        stats.worker(0).add(rowOf1, StatsColumns.PACKETS, 7);
        m.update(new View());
        assertThat(m.backend("web", ip("10.0.1.3")).packets()).isEqualTo(7); // not 62: the baseline
        assertThat(groups().get("lb_backend vip=web backend=10.0.1.3").value("packets")).isEqualTo(7);
    }

    @Test
    void aBackendBackWhileItsRowIsQuarantinedGetsItsRowAndCountsBack() {
        LbStats stats = new LbStats(1, 8);
        LbMetrics m = metrics(stats, file(16));
        LbConfig running = config(vip("web", "10.0.0.100", "10.0.1.1", "10.0.1.2"));
        m.apply(running);
        int row = m.backendRow("web", ip("10.0.1.2"));
        stats.worker(0).add(row, StatsColumns.PACKETS, 40);
        m.update(new View());
        // a reload whose tables then fail to build: the control plane applies the running config again
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.1")));
        assertThat(groups()).doesNotContainKey("lb_backend vip=web backend=10.0.1.2");
        stats.worker(0).add(row, StatsColumns.PACKETS, 2); // the running tables still count there
        now += 10 * QUARANTINE.toNanos(); // however long that took: no other took the row (unused rows go first)
        m.apply(running);
        assertThat(m.backendRow("web", ip("10.0.1.2"))).isEqualTo(row);
        assertThat(m.rowsQuarantined()).isZero();
        assertThat(groups().get("lb_backend vip=web backend=10.0.1.2").value("packets")).isEqualTo(42);
    }

    @Test
    void aFullCountersFileFailsTheApplyWithAClearMessageAndChangesNothing() {
        LbStats stats = new LbStats(1, 16);
        CountersFile f = file(3);
        LbMetrics m = metrics(stats, f);
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.1")));
        assertThat(f.allocated()).isEqualTo(2);
        assertThatThrownBy(() -> m.apply(config(vip("web", "10.0.0.100", "10.0.1.1", "10.0.1.2", "10.0.1.3"))))
                .isInstanceOf(StatsFullException.class)
                .hasMessageStartingWith("no room in the counters file for the counters of vip web backend 10.0.1.3 (counters file ")
                .hasMessageContaining("is full")
                .hasMessageEndingWith("the counters file needs one group per VIP and per (VIP, backend)");
        assertThat(f.allocated()).isEqualTo(2);
        assertThat(m.backendRow("web", ip("10.0.1.2"))).isEqualTo(LbStats.SINK);
        assertThat(groups().keySet()).containsExactlyInAnyOrder("lb_vip vip=web", "lb_backend vip=web backend=10.0.1.1");
        // the rows it took are free again: a configuration that fits still applies
        m.apply(config(vip("web", "10.0.0.100", "10.0.1.2")));
        assertThat(f.allocated()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- helpers

    Map<String, CountersReader.Group> groups() {
        Map<String, CountersReader.Group> g = new HashMap<>();
        for (CountersReader.Group group : file.reader().snapshot()) {
            g.put(group.kind() + " " + group.labels(), group);
        }
        return g;
    }

    static final class View implements BackendView {
        final List<InetAddress> down = new ArrayList<>();
        final List<InetAddress> drained = new ArrayList<>();
        final Map<InetAddress, Long> changes = new HashMap<>();

        @Override
        public boolean up(String vip, InetAddress backend) {
            return !down.contains(backend);
        }

        @Override
        public boolean drained(String vip, InetAddress backend) {
            return drained.contains(backend);
        }

        @Override
        public int weight(String vip, InetAddress backend) {
            return 100;
        }

        @Override
        public int effectiveWeight(String vip, InetAddress backend) {
            return up(vip, backend) && !drained(vip, backend) ? 100 : 0;
        }

        @Override
        public long healthChanges(String vip, InetAddress backend) {
            return Optional.ofNullable(changes.get(backend)).orElse(0L);
        }
    }

    static VipConfig vip(String name, String address, String... backends) {
        List<BackendConfig> b = new ArrayList<>();
        for (String a : backends) {
            b.add(new BackendConfig(ip(a), BackendConfig.DEFAULT_WEIGHT, BackendConfig.MAC_FROM_KERNEL));
        }
        return new VipConfig(name, ip(address), Protocol.TCP, 80, Forwarding.DSR, HashFields.FIVE_TUPLE,
                VipConfig.DEFAULT_TABLE_SIZE, VipConfig.DEFAULT_GUE_PORT, b, null);
    }

    static LbConfig config(VipConfig... vips) {
        return new LbConfig(null, "eth0", 1, List.of(vips), ConnectionsConfig.defaults(), null);
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
