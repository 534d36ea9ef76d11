package dev.sluice.counters;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CountersFileTest {
    @TempDir
    Path dir;

    @Test
    void countersWrittenHereAreReadThroughASecondMapping() {
        try (CountersFile file = CountersFile.create(dir, "fwd-eth0", "sluice fwd --iface eth0", 64)) {
            assertThat(file.path()).isEqualTo(dir.resolve(ProcessHandle.current().pid() + "-fwd-eth0.counters"));
            PortCounters port = PortCounters.allocate(file, "port afxdp:eth0/0");
            MemorySegment gauges = file.allocate("worker 0", new String[] {"frames_in_pool"}, CounterAllocator.TYPE_GAUGE);
            port.add(PortCounters.RX_PACKETS, 3);
            port.add(PortCounters.RX_PACKETS, 4);
            port.add(PortCounters.RX_BYTES, 448);
            gauges.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 17);
            file.heartbeat(1234);

            try (CountersReader r = CountersReader.open(file.path())) {
                assertThat(r.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(r.instanceName()).isEqualTo("fwd-eth0");
                assertThat(r.commandLine()).isEqualTo("sluice fwd --iface eth0");
                assertThat(r.capacity()).isEqualTo(64);
                assertThat(r.heartbeatOpaque()).isEqualTo(1234);
                assertThat(Math.abs(r.startTimeMillis() - System.currentTimeMillis())).isLessThan(60_000);
                List<CountersReader.Counter> all = r.snapshot();
                assertThat(all).hasSize(PortCounters.COUNT + 1);
                assertThat(all.get(PortCounters.RX_PACKETS))
                        .isEqualTo(new CountersReader.Counter(0, CounterAllocator.TYPE_COUNTER, "port afxdp:eth0/0", "rx_packets", 7));
                assertThat(all.get(PortCounters.RX_BYTES).value()).isEqualTo(448);
                assertThat(all.get(PortCounters.KICK_ERRORS).name()).isEqualTo("kick_errors");
                assertThat(all.get(PortCounters.COUNT))
                        .isEqualTo(new CountersReader.Counter(PortCounters.COUNT, CounterAllocator.TYPE_GAUGE, "worker 0", "frames_in_pool", 17));

                port.add(PortCounters.RX_PACKETS, 1); // live: the reader sees later writes
                assertThat(r.snapshot().get(PortCounters.RX_PACKETS).value()).isEqualTo(8);
                assertThat(r.valueOpaque(PortCounters.RX_PACKETS)).isEqualTo(8);
            }
        }
    }

    @Test
    void everyGroupStartsOnItsOwnLine() {
        try (CountersFile file = CountersFile.create(dir, "lines", "test", 64)) {
            MemorySegment a = file.allocate("worker 0", new String[] {"x"});
            MemorySegment b = file.allocate("worker 1", new String[] {"x", "y", "z"});
            MemorySegment c = file.allocate("port p", PortCounters.names());
            MemorySegment d = file.allocate("port q", PortCounters.names());
            for (MemorySegment s : List.of(a, b, c, d)) {
                assertThat(s.address() % CountersDescriptor.GROUP_ALIGNMENT).as("group start").isZero();
            }
            assertThat(b.address() - a.address()).isEqualTo(128);
            assertThat(d.address() - c.address()).isEqualTo(128); // 10 counters = 80 bytes, padded to a line
            assertThat(b.byteSize()).isEqualTo(24);
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
    void aFullFileSaysSoAndKeepsWhatItHas() {
        try (CountersFile file = CountersFile.create(dir, "small", "test", 12)) {
            PortCounters.allocate(file, "port a");
            assertThatThrownBy(() -> PortCounters.allocate(file, "port b"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("is full: 10 of 12");
            assertThat(file.allocated()).isEqualTo(10);
        }
    }

    @Test
    void closeRemovesTheFileAndTheDirectoryIsReadableByAll() throws Exception {
        Path run = dir.resolve("run");
        CountersFile file = CountersFile.create(run, "gone", "test", 8);
        assertThat(Files.exists(file.path())).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-r--r--");
        assertThat(CountersDirectory.list(run)).extracting(CountersDirectory.Instance::name).containsExactly("gone");
        file.close();
        file.close(); // idempotent
        assertThat(Files.exists(file.path())).isFalse();
        assertThat(CountersDirectory.list(run)).isEmpty();
    }

    @Test
    void aReaderRejectsFilesThatAreNotCounters() throws Exception {
        Path junk = dir.resolve("1-junk.counters");
        Files.write(junk, new byte[4096]);
        assertThatThrownBy(() -> CountersReader.open(junk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad magic");
        Files.write(junk, new byte[10]);
        assertThatThrownBy(() -> CountersReader.open(junk)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CountersDirectory.list(dir)).isEmpty();
    }

    @Test
    void aConcurrentReaderSeesEveryCounterGrowMonotonically() throws Exception {
        long total = 2_000_000;
        try (CountersFile file = CountersFile.create(dir, "race", "test", 64);
             CountersReader r = CountersReader.open(file.path())) {
            PortCounters c = PortCounters.allocate(file, "port race/0");
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                for (long i = 0; i < total; i++) {
                    c.add(PortCounters.RX_PACKETS, 1);
                    c.add(PortCounters.RX_BYTES, 64);
                }
            });
            Thread reader = new Thread(() -> {
                long lastPackets = 0;
                long lastBytes = 0;
                try {
                    while (lastPackets < total) {
                        long bytes = r.valueOpaque(PortCounters.RX_BYTES);
                        long packets = r.valueOpaque(PortCounters.RX_PACKETS);
                        assertThat(packets).isGreaterThanOrEqualTo(lastPackets).isLessThanOrEqualTo(total);
                        assertThat(bytes).isGreaterThanOrEqualTo(lastBytes).isLessThanOrEqualTo(total * 64);
                        lastPackets = packets;
                        lastBytes = bytes;
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            writer.start();
            writer.join(60_000);
            reader.join(60_000);
            assertThat(failure.get()).isNull();
            assertThat(r.valueOpaque(PortCounters.RX_PACKETS)).isEqualTo(total);
            assertThat(r.valueOpaque(PortCounters.RX_BYTES)).isEqualTo(total * 64);
        }
    }

    @Test
    void aFileOfADeadProcessIsRecognizedAndRemovedOnceItStopsBeating() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long deadPid = p.pid();
        try (CountersFile live = CountersFile.create(dir, "live", "test", 16)) {
            PortCounters.allocate(live, "port live/0");
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
