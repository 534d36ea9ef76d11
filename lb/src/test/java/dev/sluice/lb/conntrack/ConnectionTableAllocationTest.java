package dev.sluice.lb.conntrack;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Setting keys, prefetch, lookup (hits, misses, expired entries), insert (new, replacing, evicting)
 * and remove allocate nothing: measured with the JVM's per-thread allocation counter over a million
 * operations after warm-up (JMH's {@code -prof gc} says the same in the benchmarks module).
 */
class ConnectionTableAllocationTest {
    private static final int BURST = 32;

    @Test
    void theDataPathAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // small enough to evict, UDP entries idle 1 ms so that lookups also meet expired entries
        try (ConnectionTable table = new ConnectionTable(4096, 1_000_000_000L, 1_000_000L)) {
            Worker w = new Worker(table);
            w.run(300_000); // warm-up: let C2 compile the loop
            long before = threads.getCurrentThreadAllocatedBytes();
            long sink = w.run(1_000_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(sink).isNotZero();
            assertThat(table.hits()).isPositive();
            assertThat(table.misses()).isPositive();
            assertThat(table.evictions()).isPositive();
            assertThat(allocated).as("bytes allocated over 1M operations").isLessThan(1024);
        }
    }

    /** A worker's bursts: set keys, prefetch them all, then look each up and insert or remove. */
    private static final class Worker {
        private final ConnectionTable table;
        private final FlowKey[] keys = new FlowKey[BURST];
        private long now;
        private long rng = 1;

        Worker(ConnectionTable table) {
            this.table = table;
            for (int j = 0; j < BURST; j++) {
                keys[j] = new FlowKey();
            }
        }

        long run(int operations) {
            long sink = 0;
            for (int done = 0; done < operations; done += BURST) {
                now += 100_000; // 0.1 ms per burst
                for (int j = 0; j < BURST; j++) {
                    rng = rng * 6364136223846793005L + 1442695040888963407L;
                    int flow = (int) (rng >>> 50); // 16384 flows
                    if ((flow & 1) == 0) {
                        keys[j].ipv4(flow & 7, FlowKey.TCP, 0x0a00_0000 + flow, 1024 + flow, 80);
                    } else {
                        keys[j].ipv6(flow & 7, FlowKey.UDP, 0x2001_0db8L << 32, flow, 1024 + flow, 53);
                    }
                    table.prefetch(keys[j]);
                }
                for (int j = 0; j < BURST; j++) {
                    int b = table.lookup(keys[j], now);
                    if (b == ConnectionTable.NOT_FOUND) {
                        table.insert(keys[j], j, now);
                    } else if ((b & 15) == 15) {
                        table.remove(keys[j]);
                    }
                    sink += b + keys[j].hash();
                }
            }
            return sink;
        }
    }
}
