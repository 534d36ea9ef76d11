package dev.sluice.counters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The companion socket beside a counters file: its name, and its removal with a stale file. */
class CountersDirectorySocketTest {
    @TempDir
    Path dir;

    @Test
    void theSocketIsNamedAfterTheCountersFile() {
        Path counters = CountersDirectory.fileFor(dir, 1234, "lb-eth 0");
        assertThat(CountersDirectory.socketFor(counters)).isEqualTo(dir.resolve("1234-lb-eth_0.sock"));
        assertThatThrownBy(() -> CountersDirectory.socketFor(dir.resolve("1234-lb.sock")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a counters file name");
    }

    @Test
    void aStaleCountersFileGoesWithItsSocketAndALiveOnesSocketStays() throws Exception {
        long deadPid = deadPid();
        try (CountersFile live = CountersFile.create(dir, "live", "test", 16)) {
            Path liveSocket = leaveSocket(CountersDirectory.socketFor(live.path()));
            Path dead = dir.resolve(deadPid + "-dead.counters");
            Files.copy(live.path(), dead);
            long now = System.currentTimeMillis();
            try (RandomAccessFile f = new RandomAccessFile(dead.toFile(), "rw")) {
                f.seek(CountersDescriptor.PID_OFFSET);
                f.write(littleEndian(deadPid));
                f.seek(CountersDescriptor.HEARTBEAT_OFFSET);
                f.write(littleEndian(now));
            }
            Path deadSocket = leaveSocket(CountersDirectory.socketFor(dead));

            // Still beating (an instance in a pid namespace we cannot see): both stay.
            assertThat(CountersDirectory.removeStale(dir, now + 1000)).isEmpty();
            assertThat(deadSocket).exists();

            assertThat(CountersDirectory.removeStale(dir, now + CountersDirectory.STALE_AFTER_MILLIS + 1000))
                    .extracting(CountersDirectory.Instance::path).containsExactly(dead);
            assertThat(dead).doesNotExist();
            assertThat(deadSocket).doesNotExist();
            assertThat(live.path()).exists();
            assertThat(liveSocket).exists();
        }
    }

    @Test
    void anOrphanSocketOfADeadProcessIsRemovedOneOfALiveProcessStays() throws Exception {
        Path orphan = leaveSocket(dir.resolve(deadPid() + "-lb-eth0.sock"));
        // A socket whose counters file is not there (yet, or any more) but whose process runs.
        Path mine = leaveSocket(dir.resolve(ProcessHandle.current().pid() + "-lb-eth1.sock"));
        Path foreign = leaveSocket(dir.resolve("not-a-pid.sock"));
        assertThat(CountersDirectory.removeStale(dir, System.currentTimeMillis())).isEmpty();
        assertThat(orphan).doesNotExist();
        assertThat(mine).exists();
        assertThat(foreign).exists();
    }

    @Test
    void anAbsentDirectoryHasNothingToRemove() {
        assertThat(CountersDirectory.removeStale(dir.resolve("absent"), System.currentTimeMillis())).isEmpty();
    }

    /** A socket file nobody listens on, as a process killed with {@code kill -9} leaves it. */
    private static Path leaveSocket(Path path) throws Exception {
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(path));
        }
        assertThat(path).exists();
        return path;
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static byte[] littleEndian(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
