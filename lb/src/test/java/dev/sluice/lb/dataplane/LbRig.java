package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConnectionsConfig;
import dev.sluice.lb.config.EncapsulationConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.HashFields;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Protocol;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.umem.PacketBatch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One worker's handler run directly over a {@link PacketBatch} of frames laid out as a UMEM's
 * (aligned 2048-byte frames, each packet after 256 bytes of headroom), with a hand-driven clock.
 * Also the configuration helpers of the data plane's tests.
 */
final class LbRig implements AutoCloseable {
    static final int FRAME = 2048;
    static final int HEADROOM = 256;
    static final int SLOTS = 256;
    static final long OWN_MAC = 0x02_00_00_00_00_01L;
    static final long NEXT_HOP_MAC = 0x02_00_00_00_00_99L;

    final Arena arena = Arena.ofShared();
    final MemorySegment umem = arena.allocate((long) FRAME * SLOTS, FRAME);
    final PacketBatch batch = new PacketBatch(umem, SLOTS, FRAME);
    final ConnectionTable connections;
    final LbCounters counters = new LbCounters();
    final Published<LbTables> tables;
    final LbHandler handler;
    long now = 1_000_000_000L;

    LbRig(LbTables t) {
        this(t, 4096);
    }

    LbRig(LbTables t, int capacity) {
        connections = new ConnectionTable(capacity, 300_000_000_000L, 30_000_000_000L);
        tables = new Published<>(t);
        handler = new LbHandler(tables, connections, counters, () -> now);
    }

    /** A worker that counts per VIP and per backend in {@code stats} (the tables name its rows). */
    LbRig(LbTables t, int capacity, dev.sluice.lb.stats.WorkerStats stats) {
        connections = new ConnectionTable(capacity, 300_000_000_000L, 30_000_000_000L);
        tables = new Published<>(t);
        handler = new LbHandler(tables, connections, counters, stats, () -> now);
    }

    /** What the handler did with one frame. */
    record Out(int verdict, byte[] frame) {
    }

    /** Runs one burst of {@code frames}, all received on port {@code port}. */
    List<Out> burst(int port, List<byte[]> frames) {
        batch.clear();
        int[] on = new int[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            long at = (long) i * FRAME + HEADROOM;
            MemorySegment.copy(f, 0, umem, ValueLayout.JAVA_BYTE, at, f.length);
            batch.add(at, f.length);
            on[i] = port;
        }
        Verdicts v = Verdicts.forBurst(on);
        handler.onBurst(batch, v);
        List<Out> out = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            out.add(new Out(v.code(i), batch.packet(i).toArray()));
        }
        batch.clear();
        return out;
    }

    Out one(byte[] frame) {
        return burst(0, List.of(frame)).get(0);
    }

    long[] snapshot() {
        long[] s = new long[LbCounters.COUNT];
        for (int i = 0; i < s.length; i++) {
            s[i] = counters.get(i);
        }
        return s;
    }

    /** Counter changes since {@code before}, by name, zeros left out. */
    Map<String, Long> delta(long[] before) {
        Map<String, Long> d = new HashMap<>();
        for (int i = 0; i < before.length; i++) {
            long x = counters.get(i) - before[i];
            if (x != 0) {
                d.put(LbCounters.name(i), x);
            }
        }
        return d;
    }

    @Override
    public void close() {
        connections.close();
        arena.close();
    }

    // ---------------------------------------------------------------- configuration helpers

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static BackendConfig backend(String address) {
        return new BackendConfig(ip(address), BackendConfig.DEFAULT_WEIGHT, BackendConfig.MAC_FROM_KERNEL);
    }

    static BackendConfig backend(String address, int weight, long mac) {
        return new BackendConfig(ip(address), weight, mac);
    }

    static VipConfig vip(String name, String address, Protocol protocol, int port, Forwarding forwarding,
                         BackendConfig... backends) {
        return vip(name, address, protocol, port, forwarding, HashFields.FIVE_TUPLE, backends);
    }

    static VipConfig vip(String name, String address, Protocol protocol, int port, Forwarding forwarding,
                         HashFields hash, BackendConfig... backends) {
        return new VipConfig(name, ip(address), protocol, port, forwarding, hash, VipConfig.DEFAULT_TABLE_SIZE,
                VipConfig.DEFAULT_GUE_PORT, Arrays.asList(backends), null);
    }

    static LbConfig config(VipConfig... vips) {
        return new LbConfig(null, "eth0", 1, List.of(vips), ConnectionsConfig.defaults(),
                new EncapsulationConfig((java.net.Inet4Address) ip("192.0.2.1"), 32, (java.net.Inet6Address) ip("2001:db8::1"),
                        128, BackendConfig.MAC_FROM_KERNEL));
    }

    /** MACs for tests: a DSR backend a.b.c.d gets 02:00:00:00:00:dd (IPv6: the last byte); encapsulation the next hop. */
    static MacSource macs() {
        return (target, mode) -> {
            if (mode != Forwarding.DSR) {
                return NEXT_HOP_MAC;
            }
            byte[] a = target.getAddress();
            return 0x02_00_00_00_00_00L | (a[a.length - 1] & 0xFF);
        };
    }

    static LbTables tables(LbConfig config) {
        return new LbTablesBuilder().build(config, OWN_MAC, 1500, macs());
    }
}
