package dev.sluice.counters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CountersFileTest {
    private static final String[] PORT_NAMES = {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_ring_full",
        "fill_starved", "dropped", "kicks", "kicks_busy", "kick_errors"};

    @TempDir
    Path dir;

    @Test
    void groupsWrittenHereAreReadThroughASecondMapping() {
        try (CountersFile file = CountersFile.create(dir, "fwd-eth0", "sluice fwd --iface eth0", 64)) {
            assertThat(file.path()).isEqualTo(dir.resolve(ProcessHandle.current().pid() + "-fwd-eth0.counters"));
            CounterGroup port = file.allocate("port", Labels.of("port", "afxdp:eth0/0"), CounterType.COUNTER, PORT_NAMES);
            CounterGroup backend = file.allocate("lb_backend", Labels.of("vip", "web", "backend", "10.0.1.11"),
                    new String[] {"packets", "connections"}, new CounterType[] {CounterType.COUNTER, CounterType.GAUGE});
            port.add(0, 3);
            port.add(0, 4);
            port.add(1, 448);
            backend.add(0, 9);
            backend.set(1, 17);
            file.heartbeat(1234);

            try (CountersReader r = CountersReader.open(file.path())) {
                assertThat(r.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(r.instanceName()).isEqualTo("fwd-eth0");
                assertThat(r.commandLine()).isEqualTo("sluice fwd --iface eth0");
                assertThat(r.capacity()).isEqualTo(64);
                assertThat(r.heartbeatOpaque()).isEqualTo(1234);
                assertThat(Math.abs(r.startTimeMillis() - System.currentTimeMillis())).isLessThan(60_000);
                List<CountersReader.Group> all = r.snapshot();
                assertThat(all).hasSize(2);
                assertThat(all.get(0).kind()).isEqualTo("port");
                assertThat(all.get(0).labels()).isEqualTo(Labels.of("port", "afxdp:eth0/0"));
                assertThat(all.get(0).counters()).hasSize(PORT_NAMES.length);
                assertThat(all.get(0).counters().get(0)).isEqualTo(new CountersReader.Counter("rx_packets", CounterType.COUNTER, 7));
                assertThat(all.get(0).value("rx_bytes")).isEqualTo(448);
                assertThat(all.get(0).value("kick_errors")).isZero();
                assertThat(all.get(1).toString()).isEqualTo("lb_backend vip=web backend=10.0.1.11");
                assertThat(all.get(1).counters()).containsExactly(
                        new CountersReader.Counter("packets", CounterType.COUNTER, 9),
                        new CountersReader.Counter("connections", CounterType.GAUGE, 17));

                port.add(0, 1); // live: the reader sees later writes
                assertThat(r.snapshot().get(0).value("rx_packets")).isEqualTo(8);
                assertThat(CountersDirectory.describe(file.path()).orElseThrow().groups()).isEqualTo(2);
            }
        }
    }

    @Test
    void aReaderInAnotherProcessSeesKindsLabelsAndNames() throws Exception {
        try (CountersFile file = CountersFile.create(dir, "lb", "test", 8)) {
            file.allocate("lb_backend", Labels.of("vip", "web", "backend", "10.0.1.11"), CounterType.COUNTER, "packets").add(0, 42);
            file.allocate("worker", Labels.of("worker", "0"), CounterType.GAUGE, "queue_depth").set(0, 5);
            String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    PrintCounters.class.getName(), file.path().toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("instance lb pid " + ProcessHandle.current().pid() + "\n")
                    .contains("lb_backend vip=web backend=10.0.1.11 packets COUNTER 42\n")
                    .contains("worker worker=0 queue_depth GAUGE 5\n");
        }
    }

    @Test
    void everyGroupStartsOnItsOwnLine() {
        try (CountersFile file = CountersFile.create(dir, "lines", "test", 64)) {
            CounterGroup a = file.allocate("worker", Labels.of("worker", "0"), CounterType.COUNTER, "x");
            CounterGroup b = file.allocate("worker", Labels.of("worker", "1"), CounterType.COUNTER, "x", "y", "z");
            CounterGroup c = file.allocate("port", Labels.of("port", "p"), CounterType.COUNTER, PORT_NAMES);
            CounterGroup d = file.allocate("port", Labels.of("port", "q"), CounterType.COUNTER, PORT_NAMES);
            for (CounterGroup g : List.of(a, b, c, d)) {
                assertThat(g.values().address() % CountersDescriptor.GROUP_ALIGNMENT).as("group start").isZero();
            }
            assertThat(b.values().address() - a.values().address()).isEqualTo(128);
            assertThat(d.values().address() - c.values().address()).isEqualTo(128); // 10 counters = 80 bytes, padded to a line
            assertThat(b.values().byteSize()).isEqualTo(24);
        }
    }

    @Test
    void aFreedGroupsRecordAndLinesAreReusedZeroed() {
        try (CountersFile file = CountersFile.create(dir, "reuse", "test", 4)) {
            CounterGroup a = file.allocate("lb_backend", Labels.of("backend", "a"), CounterType.COUNTER, "packets");
            CounterGroup b = file.allocate("lb_backend", Labels.of("backend", "b"), CounterType.COUNTER, "packets");
            a.add(0, 99);
            long aValues = a.values().address();
            a.close();
            a.close(); // idempotent
            assertThat(file.allocated()).isEqualTo(1);
            CounterGroup c = file.allocate("lb_backend", Labels.of("backend", "c"), CounterType.COUNTER, "packets");
            assertThat(c.id()).isEqualTo(a.id());
            assertThat(c.values().address()).isEqualTo(aValues);
            assertThat(c.get(0)).isZero();
            try (CountersReader r = file.reader()) {
                assertThat(r.snapshot()).extracting(g -> g.labels().get("backend")).containsExactly("c", "b");
            }
            b.close();
        }
    }

    @Test
    void aFullFileSaysSoAndKeepsWhatItHas() {
        try (CountersFile file = CountersFile.create(dir, "small", "test", 2)) {
            CounterGroup a = file.allocate("port", Labels.of("port", "a"), CounterType.COUNTER, PORT_NAMES);
            file.allocate("port", Labels.of("port", "b"), CounterType.COUNTER, PORT_NAMES);
            assertThatThrownBy(() -> file.allocate("port", Labels.of("port", "c"), CounterType.COUNTER, PORT_NAMES))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("is full: 2 groups of at most 2")
                    .hasMessageContaining("port port=c");
            assertThat(file.allocated()).isEqualTo(2);
            a.close();
            file.allocate("port", Labels.of("port", "c"), CounterType.COUNTER, PORT_NAMES); // room again
        }
    }

    @Test
    void badKindsNamesAndLabelsAreRefusedWithTheReason() {
        try (CountersFile file = CountersFile.create(dir, "bad", "test", 4)) {
            assertThatThrownBy(() -> file.allocate("Port", Labels.none(), CounterType.COUNTER, "x"))
                    .hasMessageContaining("counter group kind must match [a-z_][a-z0-9_]*");
            assertThatThrownBy(() -> file.allocate("port", Labels.none(), CounterType.COUNTER, "rx-packets"))
                    .hasMessageContaining("counter name must match");
            assertThatThrownBy(() -> file.allocate("port", Labels.none(), CounterType.COUNTER, "x", "x"))
                    .hasMessageContaining("counter 'x' twice");
            assertThatThrownBy(() -> file.allocate("port", Labels.none(), CounterType.COUNTER))
                    .hasMessageContaining("1 to 64 counters");
            assertThatThrownBy(() -> Labels.of("vip", "a\nb")).hasMessageContaining("control character");
            assertThatThrownBy(() -> Labels.of("vip", "a", "vip", "b")).hasMessageContaining("given twice");
            assertThatThrownBy(() -> file.allocate("port", Labels.of("port", "x".repeat(1000)), CounterType.COUNTER, "x"))
                    .hasMessageContaining("a group record holds 984");
            assertThat(file.allocated()).isZero();
        }
    }

    @Test
    void oneProcessCannotOpenTheSameInstanceTwice() {
        try (CountersFile first = CountersFile.create(dir, "twice", "test", 8)) {
            assertThatThrownBy(() -> CountersFile.create(dir, "twice", "test", 8))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a counters file for 'twice'");
            assertThat(Files.exists(first.path())).isTrue();
        }
    }

    @Test
    void closeRemovesTheFileAndTheDirectoryIsTheUsersOnly() throws Exception {
        Path run = dir.resolve("run");
        CountersFile file = CountersFile.create(run, "gone", "test", 8);
        assertThat(Files.exists(file.path())).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-r--r--");
        assertThat(CountersDirectory.list(run)).extracting(CountersDirectory.Instance::name).containsExactly("gone");
        file.close();
        file.close(); // idempotent
        assertThat(Files.exists(file.path())).isFalse();
        assertThat(CountersDirectory.list(run)).isEmpty();
    }

    @Test
    void theDefaultRunDirectoryIsPerUserAndTheEnvironmentOverridesIt() {
        Path shm = dir.resolve("shm");
        assertThat(CountersDirectory.resolve(null, null, dir, 1000)).isEqualTo(dir.resolve("sluice-1000"));
        assertThat(CountersDirectory.resolve("", "/run/user/1000", dir, 1000)).isEqualTo(dir.resolve("sluice-1000"));
        assertThat(CountersDirectory.resolve(null, "/run/user/1000", shm, 1000)).isEqualTo(Path.of("/run/user/1000/sluice"));
        assertThat(CountersDirectory.resolve("/tmp/mine", "/run/user/1000", dir, 1000)).isEqualTo(Path.of("/tmp/mine"));
        assertThat(CountersDirectory.resolve().getFileName().toString())
                .isEqualTo(System.getenv(CountersDirectory.ENV) != null ? Path.of(System.getenv(CountersDirectory.ENV)).getFileName().toString()
                        : "sluice-" + CountersDirectory.currentUid());
    }

    @Test
    void aDirectoryOfAnotherUserIsRefusedWithOneClearMessage() throws Exception {
        Path theirs = dir.resolve("theirs");
        Files.createDirectory(theirs);
        Files.setAttribute(theirs, "unix:uid", CountersDirectory.currentUid() == 65534 ? 65533 : 65534);
        assertThatThrownBy(() -> CountersFile.create(theirs, "fwd-pcap", "test", 8))
                .hasCauseInstanceOf(AccessDeniedException.class)
                .hasMessage("cannot create the counters file " + theirs.resolve(ProcessHandle.current().pid() + "-fwd-pcap.counters")
                        + ": the directory belongs to user id " + Files.getAttribute(theirs, "unix:uid") + ", not to this user ("
                        + CountersDirectory.currentUid() + "), and is not a sticky shared one (set SLUICE_RUN_DIR to a writable directory)");
    }

    @Test
    void aStickySharedDirectoryOfAnotherUserIsFine() throws Exception {
        Path shared = dir.resolve("shared");
        Files.createDirectory(shared);
        Files.setAttribute(shared, "unix:mode", 01777);
        Files.setAttribute(shared, "unix:uid", CountersDirectory.currentUid() == 65534 ? 65533 : 65534);
        try (CountersFile file = CountersFile.create(shared, "fwd-pcap", "test", 8)) {
            assertThat(CountersDirectory.list(shared)).extracting(CountersDirectory.Instance::name).containsExactly("fwd-pcap");
        }
    }

    @Test
    void aReaderRejectsFilesThatAreNotCountersOrOfAnotherLayout() throws Exception {
        Path junk = dir.resolve("1-junk.counters");
        Files.write(junk, new byte[4096]);
        assertThatThrownBy(() -> CountersReader.open(junk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad magic");
        Files.write(junk, new byte[10]);
        assertThatThrownBy(() -> CountersReader.open(junk)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CountersDirectory.list(dir)).isEmpty();

        try (CountersFile file = CountersFile.create(dir, "v1", "test", 4)) {
            try (RandomAccessFile f = new RandomAccessFile(file.path().toFile(), "rw")) {
                f.seek(CountersDescriptor.LAYOUT_VERSION_OFFSET);
                f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1).array());
            }
            assertThatThrownBy(() -> CountersReader.open(file.path())).hasMessageContaining("layout version 1; this sluice reads 2");
        }
    }

    @Test
    void aConcurrentReaderSeesEveryCounterGrowMonotonically() throws Exception {
        long total = 2_000_000;
        try (CountersFile file = CountersFile.create(dir, "race", "test", 64);
             CountersReader r = CountersReader.open(file.path())) {
            CounterGroup c = file.allocate("port", Labels.of("port", "race/0"), CounterType.COUNTER, PORT_NAMES);
            long packets = c.address(0);
            long bytes = c.address(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                for (long i = 0; i < total; i++) {
                    CounterGroup.addOpaque(packets, 1);
                    CounterGroup.addOpaque(bytes, 64);
                }
            });
            Thread reader = new Thread(() -> {
                long lastPackets = 0;
                long lastBytes = 0;
                try {
                    while (lastPackets < total) {
                        CountersReader.Group g = r.snapshot().getFirst();
                        long b = g.value("rx_bytes");
                        long p = g.value("rx_packets");
                        assertThat(p).isGreaterThanOrEqualTo(lastPackets).isLessThanOrEqualTo(total);
                        assertThat(b).isGreaterThanOrEqualTo(lastBytes).isLessThanOrEqualTo(total * 64);
                        lastPackets = p;
                        lastBytes = b;
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            writer.start();
            writer.join(120_000);
            reader.join(120_000);
            assertThat(failure.get()).isNull();
            assertThat(c.get(0)).isEqualTo(total);
            assertThat(r.snapshot().getFirst().value("rx_bytes")).isEqualTo(total * 64);
        }
    }

    /**
     * A reloading balancer adds and removes groups for days: 100k allocations and frees in a file
     * of 16 groups keep its size, and a reader running all along never sees a group with another
     * group's labels or values (every group's values are 0 or derived from its own label).
     */
    @Test
    void groupsAllocatedAndFreedForEverKeepTheFileBoundedAndReadersConsistent() throws Exception {
        int rounds = 100_000;
        int live = 12;
        try (CountersFile file = CountersFile.create(dir, "churn", "test", 16);
             CountersReader r = CountersReader.open(file.path())) {
            long size = Files.size(file.path());
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong seen = new AtomicLong();
            Thread reader = new Thread(() -> {
                try {
                    while (!done.get()) {
                        List<CountersReader.Group> groups = r.snapshot();
                        assertThat(groups).extracting(g -> g.labels().get("n")).doesNotHaveDuplicates();
                        for (CountersReader.Group g : groups) {
                            long n = Long.parseLong(g.labels().get("n"));
                            assertThat(g.kind()).isEqualTo("lb_backend");
                            assertThat(g.labels().get("vip")).isEqualTo("vip" + n % 7);
                            assertThat(g.counters()).hasSize(n % 2 == 0 ? 2 : 20);
                            assertThat(g.counters().getFirst().name()).isEqualTo("c0");
                            for (int i = 0; i < g.counters().size(); i++) {
                                long v = g.counters().get(i).value();
                                assertThat(v).as("group %d counter %d", n, i).isIn(0L, n * 100 + i);
                            }
                            seen.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            ArrayDeque<CounterGroup> groups = new ArrayDeque<>();
            String[] two = {"c0", "c1"};
            String[] twenty = new String[20]; // two value lines: frees leave holes of both sizes
            for (int i = 0; i < twenty.length; i++) {
                twenty[i] = "c" + i;
            }
            try {
                for (long n = 0; n < rounds && failure.get() == null; n++) {
                    CounterGroup g = file.allocate("lb_backend", Labels.of("vip", "vip" + n % 7, "n", Long.toString(n)),
                            CounterType.COUNTER, n % 2 == 0 ? two : twenty);
                    for (int i = 0; i < g.size(); i++) {
                        g.set(i, n * 100 + i);
                    }
                    groups.add(g);
                    if (groups.size() > live) {
                        groups.poll().close();
                    }
                }
            } finally {
                done.set(true);
                reader.join(60_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(seen.get()).as("groups the reader checked").isPositive();
            assertThat(file.allocated()).isEqualTo(live);
            assertThat(r.snapshot()).hasSize(live);
            assertThat(Files.size(file.path())).isEqualTo(size);
        }
    }

    @Test
    void aFileOfADeadProcessIsRecognizedAndRemovedOnceItStopsBeating() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long deadPid = p.pid();
        try (CountersFile live = CountersFile.create(dir, "live", "test", 16)) {
            live.allocate("port", Labels.of("port", "live/0"), CounterType.COUNTER, PORT_NAMES);
            Path dead = dir.resolve(deadPid + "-dead.counters");
            Files.copy(live.path(), dead);
            long now = System.currentTimeMillis();
            try (RandomAccessFile f = new RandomAccessFile(dead.toFile(), "rw")) {
                f.seek(CountersDescriptor.PID_OFFSET);
                f.write(littleEndian(deadPid));
                f.seek(CountersDescriptor.HEARTBEAT_OFFSET);
                f.write(littleEndian(now)); // still beating: maybe alive in a pid namespace we cannot see
            }
            List<CountersDirectory.Instance> all = CountersDirectory.list(dir);
            assertThat(all).extracting(CountersDirectory.Instance::pid).containsExactlyInAnyOrder(deadPid, ProcessHandle.current().pid());
            assertThat(all).filteredOn(i -> i.pid() == deadPid).singleElement()
                    .satisfies(i -> assertThat(i.running()).isFalse());
            assertThat(all).filteredOn(i -> i.pid() != deadPid).singleElement()
                    .satisfies(i -> assertThat(i.running()).isTrue());
            assertThat(CountersDirectory.removeStale(dir, now + 1000)).isEmpty();

            assertThat(CountersDirectory.removeStale(dir, now + CountersDirectory.STALE_AFTER_MILLIS + 1000))
                    .extracting(CountersDirectory.Instance::path).containsExactly(dead);
            assertThat(Files.exists(dead)).isFalse();
            assertThat(Files.exists(live.path())).isTrue();
        }
    }

    private static byte[] littleEndian(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
