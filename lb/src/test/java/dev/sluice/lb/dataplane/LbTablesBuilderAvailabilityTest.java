package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.maglev.MaglevTable;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.lb.config.Protocol.TCP;
import static dev.sluice.lb.dataplane.LbRig.backend;
import static dev.sluice.lb.dataplane.LbRig.ip;
import static dev.sluice.lb.dataplane.LbRig.vip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link LbTablesBuilder} turns each backend's {@link Availability} into its VIP's arrays. */
class LbTablesBuilderAvailabilityTest {
    static final BackendConfig B10 = backend("10.0.1.10");
    static final BackendConfig B11 = backend("10.0.1.11");
    static final BackendConfig B12 = backend("10.0.1.12");

    static LbConfig web(BackendConfig... backends) {
        return LbRig.config(vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR, backends));
    }

    /** Availability by address, ACTIVE for the others. */
    static BackendAvailability states(Map<String, Availability> byAddress) {
        return (vip, b) -> byAddress.getOrDefault(b.address().getHostAddress(), Availability.ACTIVE);
    }

    static LbTables build(LbTablesBuilder builder, LbConfig config, BackendAvailability availability) {
        return builder.build(config, LbRig.OWN_MAC, 1500, LbRig.macs(), List.of(), availability);
    }

    static List<String> addresses(Vip v) {
        return v.backends().stream().map(InetAddress::getHostAddress).toList();
    }

    static List<Integer> weights(Vip v) {
        List<Integer> w = new ArrayList<>();
        for (int i = 0; i < v.backendCount(); i++) {
            w.add(v.effectiveWeight(i));
        }
        return w;
    }

    @Test
    void aDownBackendLeavesTheVipAndADrainedOneStaysWithWeightZero() {
        LbTables t = build(new LbTablesBuilder(), web(B10, B11, B12),
                states(Map.of("10.0.1.11", Availability.DOWN, "10.0.1.12", Availability.DRAINED)));
        Vip web = t.vip("web");
        assertThat(addresses(web)).containsExactly("10.0.1.10", "10.0.1.12");
        assertThat(weights(web)).containsExactly(100, 0);
        for (int s = 0; s < web.maglev().size(); s++) {
            assertThat(web.maglev().slot(s)).as("only the active backend takes new flows").isEqualTo(0);
        }
    }

    @Test
    void downIsTheSameTableAsRemovedAndDrainedTheSameAsWeightZero() {
        MaglevTable down = build(new LbTablesBuilder(), web(B10, B11, B12), states(Map.of("10.0.1.11", Availability.DOWN)))
                .vip("web").maglev();
        MaglevTable removed = build(new LbTablesBuilder(), web(B10, B12), BackendAvailability.ALL_ACTIVE).vip("web").maglev();
        MaglevTable drained = build(new LbTablesBuilder(), web(B10, B11, B12), states(Map.of("10.0.1.11", Availability.DRAINED)))
                .vip("web").maglev();
        MaglevTable weightZero = build(new LbTablesBuilder(), web(B10, backend("10.0.1.11", 0, BackendConfig.MAC_FROM_KERNEL), B12),
                BackendAvailability.ALL_ACTIVE).vip("web").maglev();
        for (int s = 0; s < down.size(); s++) {
            assertThat(down.slot(s)).isEqualTo(removed.slot(s));
            assertThat(drained.slot(s)).isEqualTo(weightZero.slot(s));
        }
    }

    @Test
    void drainedAndConfiguredWeightZeroAndUnresolvedAllGiveWeightZero() {
        MacSource noMacFor12 = (target, mode) -> target.equals(ip("10.0.1.12")) ? MacSource.UNKNOWN : 0x02_00_00_00_00_01L;
        LbTablesBuilder builder = new LbTablesBuilder();
        LbTables t = builder.build(web(B10, backend("10.0.1.11", 0, BackendConfig.MAC_FROM_KERNEL), B12, backend("10.0.1.13", 7, 0x02_00_00_00_00_0DL)),
                LbRig.OWN_MAC, 1500, noMacFor12, List.of(), states(Map.of("10.0.1.10", Availability.DRAINED)));
        Vip web = t.vip("web");
        assertThat(addresses(web)).containsExactly("10.0.1.10", "10.0.1.11", "10.0.1.12", "10.0.1.13");
        assertThat(weights(web)).containsExactly(0, 0, 0, 7);
        assertThat(t.unresolved()).extracting(u -> u.backend().getHostAddress()).containsExactly("10.0.1.12");
    }

    @Test
    void aDownBackendIsNotReportedUnresolved() {
        LbTablesBuilder builder = new LbTablesBuilder();
        LbTables t = builder.build(web(B10, B11), LbRig.OWN_MAC, 1500, (target, mode) -> MacSource.UNKNOWN, List.of(),
                states(Map.of("10.0.1.11", Availability.DOWN)));
        assertThat(t.unresolved()).extracting(u -> u.backend().getHostAddress()).containsExactly("10.0.1.10");
    }

    @Test
    void everyBackendDownLeavesAnEmptyVipThatGivesNoBackend() {
        LbTables t = build(new LbTablesBuilder(), web(B10, B11),
                states(Map.of("10.0.1.10", Availability.DOWN, "10.0.1.11", Availability.DOWN)));
        Vip web = t.vip("web");
        assertThat(web.backendCount()).isZero();
        assertThat(web.choose(12345)).isEqualTo(MaglevTable.NO_BACKEND);
        assertThat(t.findVip(false, 0, Vip.lo(ip("10.0.0.100")), 6, 80)).as("the VIP is still found").isEqualTo(0);
    }

    @Test
    void aBackendKeepsItsIdWhileDownAndWhenItComesBack() {
        LbTablesBuilder builder = new LbTablesBuilder();
        build(builder, web(B10, B11, B12), BackendAvailability.ALL_ACTIVE);
        int id11 = builder.backendId(ip("10.0.1.11"));
        Vip down = build(builder, web(B10, B11, B12), states(Map.of("10.0.1.11", Availability.DOWN))).vip("web");
        assertThat(down.indexOfBackend(id11)).as("its flows are treated as new").isEqualTo(-1);
        Vip up = build(builder, web(B10, B11, B12), BackendAvailability.ALL_ACTIVE).vip("web");
        assertThat(up.indexOfBackend(id11)).isEqualTo(1);
        assertThat(builder.backendId(ip("10.0.1.11"))).isEqualTo(id11);
    }

    @Test
    void availabilityIsAskedOncePerVipAndBackendAndADownBackendIsStillValidated() {
        List<String> asked = new ArrayList<>();
        LbConfig two = LbRig.config(vip("web", "10.0.0.100", TCP, 80, Forwarding.DSR, B10, B11),
                vip("api", "10.0.0.101", TCP, 80, Forwarding.DSR, B11));
        new LbTablesBuilder().build(two, LbRig.OWN_MAC, 1500, LbRig.macs(), List.of(), (VipConfig v, BackendConfig b) -> {
            asked.add(v.name() + "/" + b.address().getHostAddress());
            return Availability.ACTIVE;
        });
        assertThat(asked).containsExactly("web/10.0.1.10", "web/10.0.1.11", "api/10.0.1.11");

        LbConfig mixed = web(B10, backend("fd00::1"));
        assertThatThrownBy(() -> build(new LbTablesBuilder(), mixed, states(Map.of("fd00:0:0:0:0:0:0:1", Availability.DOWN))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00:0:0:0:0:0:0:1")
                .hasMessageContaining("not of the VIP's address family");
    }
}
