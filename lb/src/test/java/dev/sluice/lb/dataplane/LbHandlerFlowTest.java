package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConnectionsConfig;
import dev.sluice.lb.config.EncapsulationConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.HashFields;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.testing.FrameBuilder;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.sluice.lb.config.Protocol.TCP;
import static dev.sluice.lb.config.Protocol.UDP;
import static dev.sluice.lb.dataplane.Frames.CLIENT_MAC;
import static dev.sluice.lb.dataplane.Frames.mac;
import static dev.sluice.lb.dataplane.LbRig.backend;
import static dev.sluice.lb.dataplane.LbRig.ip;
import static dev.sluice.lb.dataplane.LbRig.vip;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flows over time: new flows follow the current Maglev table, established flows keep their backend
 * while it stays, ICMP errors and fragments follow the flow, tables switch at a burst boundary.
 */
class LbHandlerFlowTest {
    static final int SYN = 0x02;
    static final int ACK = 0x10;

    static BackendConfig[] dsrBackends(int n) {
        BackendConfig[] b = new BackendConfig[n];
        for (int i = 0; i < n; i++) {
            b[i] = backend("10.0.1." + (10 + i));
        }
        return b;
    }

    static LbConfig web(BackendConfig... backends) {
        return LbRig.config(vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR, backends));
    }

    static byte[] tcp(int client, int port, int flags) {
        return new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC).ipv4(client, FrameBuilder.ipv4("10.0.0.100"), 6)
                .tcp(port, 80, flags, 0, new byte[0]).build();
    }

    static int client(int i) {
        return 0xC6_12_00_00 | i; // 198.18.x.y
    }

    /** The backend MAC each of {@code flows} flows went to. */
    static long[] send(LbRig rig, int flows, int flags) {
        long[] macs = new long[flows];
        for (int from = 0; from < flows; from += LbRig.SLOTS) {
            List<byte[]> burst = new ArrayList<>();
            for (int i = from; i < Math.min(flows, from + LbRig.SLOTS); i++) {
                burst.add(tcp(client(i), 1024 + i % 50000, flags));
            }
            List<LbRig.Out> out = rig.burst(0, burst);
            for (int i = 0; i < out.size(); i++) {
                assertThat(out.get(i).verdict()).isZero();
                macs[from + i] = mac(out.get(i).frame(), 0);
            }
        }
        return macs;
    }

    @Test
    void establishedFlowsKeepTheirBackendWhenOthersComeAndGoAndSynsFollowTheTable() {
        LbTablesBuilder builder = new LbTablesBuilder();
        LbTables three = builder.build(web(dsrBackends(3)), LbRig.OWN_MAC, 1500, LbRig.macs());
        try (LbRig rig = new LbRig(three, 1 << 16)) {
            int flows = 2000;
            long[] first = send(rig, flows, SYN);
            assertThat(rig.counters.get(LbCounters.NEW_FLOWS)).isEqualTo(flows);

            // A fourth backend arrives and the first one (10.0.1.10) is replaced by 10.0.1.20.
            BackendConfig[] changed = {backend("10.0.1.11"), backend("10.0.1.12"), backend("10.0.1.13"), backend("10.0.1.20")};
            LbTables next = builder.build(web(changed), LbRig.OWN_MAC, 1500, LbRig.macs());
            rig.tables.publishRelease(next);

            long[] established = send(rig, flows, ACK);
            long[] syns = send(rig, flows, SYN);
            int moved = 0;
            int kept = 0;
            for (int i = 0; i < flows; i++) {
                boolean stayed = first[i] != 0x02_00_00_00_00_0AL; // .10 left the VIP
                if (stayed) {
                    assertThat(established[i]).as("flow %d keeps its backend", i).isEqualTo(first[i]);
                    kept++;
                } else {
                    assertThat(established[i]).as("flow %d of a removed backend moves", i).isNotEqualTo(first[i]);
                }
                if (syns[i] != first[i]) {
                    moved++;
                }
                // A SYN takes what `which` says, i.e. the current Maglev choice.
                FlowSelector.Choice c = FlowSelector.which(next, 6, Inet4(client(i)), 1024 + i % 50000, ip("10.0.0.100"), 80);
                assertThat(syns[i]).isEqualTo(0x02_00_00_00_00_00L | (c.backend().getAddress()[3] & 0xFF));
            }
            assertThat(kept).isGreaterThan(flows / 2);
            assertThat(rig.counters.get(LbCounters.CONN_EVICTION)).as("no flow was forgotten").isZero();
            assertThat(moved).as("SYNs after the change follow the new table").isGreaterThan(flows / 4);
        }
    }

    @Test
    void aSynReplacesTheEntryAndTheNextPacketsFollowIt() {
        LbTablesBuilder builder = new LbTablesBuilder();
        try (LbRig rig = new LbRig(builder.build(web(dsrBackends(2)), LbRig.OWN_MAC, 1500, LbRig.macs()))) {
            int flows = 500;
            send(rig, flows, SYN);
            rig.tables.publishRelease(builder.build(web(dsrBackends(8)), LbRig.OWN_MAC, 1500, LbRig.macs()));
            long[] again = send(rig, flows, SYN);
            long[] after = send(rig, flows, ACK);
            assertThat(after).isEqualTo(again);
        }
    }

    @Test
    void icmpErrorsAndUdpFollowTheEstablishedFlowNotTheCurrentTable() {
        LbTablesBuilder builder = new LbTablesBuilder();
        try (LbRig rig = new LbRig(builder.build(web(dsrBackends(5)), LbRig.OWN_MAC, 1500, LbRig.macs()))) {
            int flows = 300;
            long[] first = send(rig, flows, SYN);
            BackendConfig[] more = dsrBackends(12);
            rig.tables.publishRelease(builder.build(web(more), LbRig.OWN_MAC, 1500, LbRig.macs()));
            for (int i = 0; i < flows; i++) {
                byte[] q = new FrameBuilder().ethernet().ipv4(FrameBuilder.ipv4("10.0.0.100"), client(i), 6)
                        .tcp(80, 1024 + i, ACK, 0, new byte[1400]).build();
                byte[] quoted = java.util.Arrays.copyOfRange(q, 14, 42);
                byte[] error = new FrameBuilder().ethernet(LbRig.OWN_MAC, 0x02_00_00_00_00_FEL)
                        .ipv4(Frames.ROUTER4, FrameBuilder.ipv4("10.0.0.100"), 1).icmp(3, 4, 0, 1300, quoted).build();
                LbRig.Out out = rig.one(error);
                assertThat(out.verdict()).isZero();
                assertThat(mac(out.frame(), 0)).as("error about flow %d goes to its backend", i).isEqualTo(first[i]);
            }
            assertThat(rig.counters.get(LbCounters.ICMP_TO_BACKEND)).isEqualTo(flows);
        }
    }

    @Test
    void fragmentsOfOneDatagramReachOneBackend() {
        LbConfig config = LbRig.config(vip("dns", "10.0.0.100", UDP, 53, Forwarding.DSR, dsrBackends(7)),
                vip("dns2", "10.0.0.100", UDP, 5353, Forwarding.DSR, backend("10.0.1.99")));
        try (LbRig rig = new LbRig(LbRig.tables(config))) {
            Set<Long> used = new HashSet<>();
            for (int c = 0; c < 200; c++) {
                byte[] first = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                        .ipv4(client(c), FrameBuilder.ipv4("10.0.0.100"), 17, new byte[0], 0x2000)
                        .udp(4000 + c, 53, new byte[64]).noLengths().build();
                first[34 + 4] = 0x05; // UDP length of the whole datagram
                LbHandlerFixtureTest.fixIpv4(first, 14);
                byte[] later = new FrameBuilder().ethernet(LbRig.OWN_MAC, CLIENT_MAC)
                        .ipv4(client(c), FrameBuilder.ipv4("10.0.0.100"), 17, new byte[0], 9).raw(new byte[64]).build();
                List<LbRig.Out> out = rig.burst(1, List.of(first, later));
                assertThat(out.get(0).verdict()).isEqualTo(1);
                assertThat(out.get(1).verdict()).isEqualTo(1);
                assertThat(mac(out.get(1).frame(), 0)).isEqualTo(mac(out.get(0).frame(), 0));
                used.add(mac(out.get(0).frame(), 0));
            }
            assertThat(used).as("the lowest port's VIP takes the fragments, spread over its backends")
                    .hasSize(7).doesNotContain(0x02_00_00_00_00_63L);
            assertThat(rig.counters.get(LbCounters.FRAGMENTS)).isEqualTo(400);
        }
    }

    @Test
    void outerSourceStaysInItsPrefixAndPerFlowAndGuePortsSpread() {
        VipConfig gue = new VipConfig("g", ip("10.0.0.100"), TCP, 80, Forwarding.GUE, HashFields.FIVE_TUPLE,
                VipConfig.DEFAULT_TABLE_SIZE, 7777, List.of(backend("10.0.2.1"), backend("fd00:2::1")), null);
        LbConfig config = new LbConfig(null, "eth0", 1, List.of(gue), ConnectionsConfig.defaults(),
                new EncapsulationConfig((Inet4Address) ip("100.64.7.0"), 24, (Inet6Address) ip("2001:db8:5::"), 112,
                        0x02_00_00_00_00_77L));
        try (LbRig rig = new LbRig(new LbTablesBuilder().build(config, LbRig.OWN_MAC, 1500, MacSource.none()))) {
            Map<Integer, String> sourceOfFlow = new HashMap<>();
            Set<String> sources = new HashSet<>();
            Set<Integer> ports = new HashSet<>();
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 400; i++) {
                    byte[] out = rig.one(tcp(client(i), 2000 + i, round == 0 ? SYN : ACK)).frame();
                    assertThat(mac(out, 0)).as("configured next-hop MAC").isEqualTo(0x02_00_00_00_00_77L);
                    boolean v6 = Frames.u16(out, 12) == 0x86DD;
                    String src;
                    int sport;
                    if (v6) {
                        byte[] a = java.util.Arrays.copyOfRange(out, 22, 38);
                        src = InetAddress6(a);
                        assertThat(java.util.Arrays.copyOfRange(a, 0, 14)).isEqualTo(java.util.Arrays.copyOfRange(
                                ip("2001:db8:5::").getAddress(), 0, 14));
                        sport = Frames.u16(out, 54);
                        assertThat(Frames.u16(out, 56)).isEqualTo(7777);
                    } else {
                        assertThat(out[26] & 0xFF).isEqualTo(100);
                        assertThat(out[27] & 0xFF).isEqualTo(64);
                        assertThat(out[28] & 0xFF).isEqualTo(7);
                        src = (out[29] & 0xFF) + "";
                        sport = Frames.u16(out, 34);
                        assertThat(Frames.u16(out, 36)).isEqualTo(7777);
                    }
                    assertThat(sport).isBetween(49152, 65535);
                    String key = src + "/" + sport;
                    String before = sourceOfFlow.putIfAbsent(i, key);
                    if (before != null) {
                        assertThat(key).as("flow %d: same outer source and GUE port every packet", i).isEqualTo(before);
                    }
                    sources.add(src);
                    ports.add(sport);
                }
            }
            assertThat(sources.size()).as("outer sources spread over the prefix").isGreaterThan(100);
            assertThat(ports.size()).as("GUE source ports spread").isGreaterThan(300);
        }
    }

    @Test
    void aDsrBackendWithoutMacTakesNoNewFlowsAndIsReportedOnce() {
        MacSource onlyTen = (target, mode) -> target.getAddress()[3] == 10 ? 0x02_00_00_00_00_0AL : MacSource.UNKNOWN;
        LbTablesBuilder builder = new LbTablesBuilder();
        LbConfig config = web(backend("10.0.1.10"), backend("10.0.1.11"), backend("10.0.1.12", 100, 0x02_00_00_00_00_0CL));
        LbTables t = builder.build(config, LbRig.OWN_MAC, 1500, onlyTen);
        assertThat(t.unresolved()).extracting(u -> u.backend().getHostAddress()).containsExactly("10.0.1.11");
        assertThat(builder.newlyUnresolved()).hasSize(1);
        assertThat(builder.newlyUnresolved().get(0).message()).contains("web", "10.0.1.11", "takes no new flows");
        builder.build(config, LbRig.OWN_MAC, 1500, onlyTen);
        assertThat(builder.newlyUnresolved()).as("logged once").isEmpty();
        try (LbRig rig = new LbRig(t)) {
            long[] macs = send(rig, 1000, SYN);
            assertThat(macs).containsOnly(0x02_00_00_00_00_0AL, 0x02_00_00_00_00_0CL).contains(0x02_00_00_00_00_0AL, 0x02_00_00_00_00_0CL);
            // Flows established on .10; then .10's MAC is lost: they are dropped, counted, until it comes back.
            LbTables lost = builder.build(config, LbRig.OWN_MAC, 1500, (target, mode) -> MacSource.UNKNOWN);
            rig.tables.publishRelease(lost);
            long[] before = rig.snapshot();
            List<LbRig.Out> out = rig.burst(0, List.of(tcp(client(0), 1024, ACK)));
            boolean wasTen = macs[0] == 0x02_00_00_00_00_0AL;
            assertThat(out.get(0).verdict()).isEqualTo(wasTen ? Verdicts.DROP : 0);
            assertThat(rig.delta(before)).containsEntry(wasTen ? "drop_no_mac" : "forwarded", 1L);
        }
        LbTables none = builder.build(web(backend("10.0.1.11")), LbRig.OWN_MAC, 1500, onlyTen);
        try (LbRig rig = new LbRig(none)) {
            long[] before = rig.snapshot();
            assertThat(rig.one(tcp(client(1), 1, SYN)).verdict()).isEqualTo(Verdicts.DROP);
            assertThat(rig.delta(before)).isEqualTo(Map.of("syn", 1L, "dropped", 1L, "drop_no_backend", 1L));
        }
    }

    @Test
    void aFullConnectionTableEvictsAndCountsIt() {
        try (LbRig rig = new LbRig(LbRig.tables(web(dsrBackends(4))), 64)) {
            send(rig, 2000, SYN);
            assertThat(rig.counters.get(LbCounters.CONN_EVICTION)).isGreaterThan(0);
            assertThat(rig.counters.get(LbCounters.NEW_FLOWS)).isEqualTo(2000);
        }
    }

    @Test
    void idleFlowsExpireAndTakeTheCurrentChoice() {
        LbTablesBuilder builder = new LbTablesBuilder();
        try (LbRig rig = new LbRig(builder.build(web(dsrBackends(3)), LbRig.OWN_MAC, 1500, LbRig.macs()))) {
            send(rig, 100, SYN);
            send(rig, 100, ACK);
            assertThat(rig.counters.get(LbCounters.CONN_HIT)).isEqualTo(100);
            rig.now += 301_000_000_000L; // past the TCP idle timeout
            send(rig, 100, ACK);
            assertThat(rig.counters.get(LbCounters.CONN_MISS)).isEqualTo(100);
        }
    }

    static InetAddress Inet4(int a) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static String InetAddress6(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
