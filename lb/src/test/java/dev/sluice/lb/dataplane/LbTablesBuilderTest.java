package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.ConnectionsConfig;
import dev.sluice.lb.config.EncapsulationConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.maglev.MaglevTable;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static dev.sluice.lb.config.Protocol.TCP;
import static dev.sluice.lb.config.Protocol.UDP;
import static dev.sluice.lb.dataplane.LbRig.backend;
import static dev.sluice.lb.dataplane.LbRig.ip;
import static dev.sluice.lb.dataplane.LbRig.vip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LbTablesBuilderTest {
    static long hi(String a) {
        return Vip.hi(ip(a));
    }

    static long lo(String a) {
        return Vip.lo(ip(a));
    }

    @Test
    void backendsAreSortedByAddressBytesAndKeepTheirIdsAcrossRebuilds() {
        LbTablesBuilder b = new LbTablesBuilder();
        LbTables t1 = b.build(LbRig.config(vip("w", "10.0.0.1", TCP, 80, Forwarding.IPIP,
                backend("fd00::2"), backend("10.0.0.20"), backend("10.0.0.3"), backend("192.168.0.1"))), 1, 1500, LbRig.macs());
        Vip w = t1.vip("w");
        assertThat(w.backends()).extracting(InetAddress::getHostAddress)
                .containsExactly("10.0.0.3", "10.0.0.20", "192.168.0.1", "fd00:0:0:0:0:0:0:2");
        int id20 = b.backendId(ip("10.0.0.20"));
        int idV6 = b.backendId(ip("fd00::2"));
        LbTables t2 = b.build(LbRig.config(vip("w", "10.0.0.1", TCP, 80, Forwarding.IPIP,
                backend("10.0.0.1"), backend("fd00::2"), backend("10.0.0.20"))), 1, 1500, LbRig.macs());
        Vip w2 = t2.vip("w");
        assertThat(w2.backendId(1)).as("10.0.0.20 keeps its id").isEqualTo(id20);
        assertThat(w2.backendId(2)).isEqualTo(idV6);
        assertThat(w2.indexOfBackend(id20)).isEqualTo(1);
        assertThat(w2.indexOfBackend(b.backendId(ip("10.0.0.3")))).as("gone").isEqualTo(-1);
        assertThat(w2.id()).as("the VIP keeps its id").isEqualTo(w.id());
    }

    @Test
    void theTableDependsOnTheSetOfBackendsNotOnTheirOrder() {
        BackendConfig[] order1 = {backend("10.0.0.5"), backend("10.0.0.1"), backend("10.0.0.3")};
        BackendConfig[] order2 = {backend("10.0.0.3"), backend("10.0.0.5"), backend("10.0.0.1")};
        MaglevTable a = LbRig.tables(LbRig.config(vip("w", "10.0.0.100", TCP, 80, Forwarding.DSR, order1))).vip("w").maglev();
        MaglevTable c = LbRig.tables(LbRig.config(vip("w", "10.0.0.100", TCP, 80, Forwarding.DSR, order2))).vip("w").maglev();
        for (int i = 0; i < a.size(); i++) {
            assertThat(c.slot(i)).isEqualTo(a.slot(i));
        }
    }

    @Test
    void findsVipsByPortThenAllPortsAndFragmentsAndAddresses() {
        LbTables t = LbRig.tables(LbRig.config(
                vip("p443", "10.0.0.1", TCP, 443, Forwarding.DSR, backend("10.0.1.1")),
                vip("p80", "10.0.0.1", TCP, 80, Forwarding.DSR, backend("10.0.1.1")),
                vip("any", "10.0.0.2", UDP, 0, Forwarding.DSR, backend("10.0.1.1")),
                vip("p53", "10.0.0.2", UDP, 53, Forwarding.DSR, backend("10.0.1.1")),
                vip("v6", "fd00::1", TCP, 80, Forwarding.DSR, backend("fd00:1::1"))));
        assertThat(name(t, t.findVip(false, 0, lo("10.0.0.1"), 6, 80))).isEqualTo("p80");
        assertThat(name(t, t.findVip(false, 0, lo("10.0.0.1"), 6, 443))).isEqualTo("p443");
        assertThat(t.findVip(false, 0, lo("10.0.0.1"), 6, 8080)).isEqualTo(LbTables.NO_VIP);
        assertThat(t.findVip(false, 0, lo("10.0.0.1"), 17, 80)).isEqualTo(LbTables.NO_VIP);
        assertThat(name(t, t.findVip(false, 0, lo("10.0.0.2"), 17, 53))).isEqualTo("p53");
        assertThat(name(t, t.findVip(false, 0, lo("10.0.0.2"), 17, 9999))).isEqualTo("any");
        assertThat(name(t, t.findFragmentVip(false, 0, lo("10.0.0.1"), 6))).as("lowest port").isEqualTo("p80");
        assertThat(name(t, t.findFragmentVip(false, 0, lo("10.0.0.2"), 17))).as("all ports").isEqualTo("any");
        assertThat(name(t, t.findVip(true, hi("fd00::1"), lo("fd00::1"), 6, 80))).isEqualTo("v6");
        assertThat(t.findVip(false, hi("fd00::1"), lo("fd00::1"), 6, 80)).as("family is part of the key").isEqualTo(LbTables.NO_VIP);
        assertThat(t.findVipAddress(true, hi("fd00::1"), lo("fd00::1"))).isNotEqualTo(LbTables.NO_VIP);
        assertThat(t.findVipAddress(false, 0, lo("10.0.0.3"))).isEqualTo(LbTables.NO_VIP);
    }

    @Test
    void manyVipsAreAllFound() {
        List<dev.sluice.lb.config.VipConfig> vips = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            vips.add(new dev.sluice.lb.config.VipConfig("v" + i, ip("10.1." + (i / 250) + "." + (i % 250)), TCP, 80 + i % 3,
                    Forwarding.DSR, dev.sluice.lb.config.HashFields.FIVE_TUPLE, 251, 6080, List.of(backend("10.0.1.1")), null));
        }
        LbTables t = new LbTablesBuilder().build(new LbConfig(null, "eth0", 1, vips, ConnectionsConfig.defaults(),
                EncapsulationConfig.defaults()), 1, 1500, LbRig.macs());
        for (int i = 0; i < 500; i++) {
            assertThat(name(t, t.findVip(false, 0, lo("10.1." + (i / 250) + "." + (i % 250)), 6, 80 + i % 3))).isEqualTo("v" + i);
        }
    }

    @Test
    void refusesWhatItCannotServe() {
        assertThatThrownBy(() -> LbRig.tables(LbRig.config(vip("w", "10.0.0.1", TCP, 80, Forwarding.DSR, backend("fd00::1")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vip w: dsr backend fd00:0:0:0:0:0:0:1 is not of the VIP's address family (dsr keeps the packet as it is)");
        LbConfig noPrefix = new LbConfig(null, "eth0", 1, List.of(vip("w", "10.0.0.1", TCP, 80, Forwarding.GUE, backend("fd00::1"))),
                ConnectionsConfig.defaults(), EncapsulationConfig.defaults());
        assertThatThrownBy(() -> new LbTablesBuilder().build(noPrefix, 1, 1500, LbRig.macs()))
                .hasMessageContaining("needs an IPv6 outer source: set encapsulation.source-prefix-v6");
        LbTables fromInterface = new LbTablesBuilder().build(noPrefix, 1, 1500, LbRig.macs(),
                List.of(ip("10.9.9.9"), ip("fe80::1"), ip("fd00:9::9")));
        assertThat(fromInterface.outerSource6Lo(12345)).isEqualTo(lo("fd00:9::9"));
        assertThat(fromInterface.outerSource4(12345)).isEqualTo((int) lo("10.9.9.9"));
    }

    static String name(LbTables t, int index) {
        return index == LbTables.NO_VIP ? null : t.vip(index).name();
    }
}
