package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.pipeline.runtime.Verdicts;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.sluice.lb.dataplane.LbHandlerFlowTest.ACK;
import static dev.sluice.lb.dataplane.LbHandlerFlowTest.SYN;
import static dev.sluice.lb.dataplane.LbHandlerFlowTest.client;
import static dev.sluice.lb.dataplane.LbHandlerFlowTest.dsrBackends;
import static dev.sluice.lb.dataplane.LbHandlerFlowTest.send;
import static dev.sluice.lb.dataplane.LbHandlerFlowTest.tcp;
import static dev.sluice.lb.dataplane.LbHandlerFlowTest.web;
import static dev.sluice.lb.dataplane.LbTablesBuilderAvailabilityTest.states;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health and drains through the data path: a backend that goes down loses its flows and only its
 * flows; a drained one keeps its established flows and gets no new one; with every backend down
 * the VIP's packets are dropped and counted.
 */
class LbHandlerAvailabilityTest {
    static final long MAC_10 = 0x02_00_00_00_00_0AL;
    static final long MAC_11 = 0x02_00_00_00_00_0BL;
    static final int FLOWS = 2000;

    final LbTablesBuilder builder = new LbTablesBuilder();
    final LbConfig config = web(dsrBackends(4)); // 10.0.1.10 .. 10.0.1.13

    LbTables build(Map<String, Availability> states) {
        return builder.build(config, LbRig.OWN_MAC, 1500, LbRig.macs(), List.of(), states(states));
    }

    /** The backend MACs of {@code n} new flows (other clients than {@code send}'s). */
    static List<Long> newFlows(LbRig rig, int n) {
        List<byte[]> syns = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            syns.add(tcp(client(FLOWS + i), 1024, SYN));
        }
        List<Long> macs = new java.util.ArrayList<>();
        for (LbRig.Out out : rig.burst(0, syns)) {
            assertThat(out.verdict()).isZero();
            macs.add(Frames.mac(out.frame(), 0));
        }
        return macs;
    }

    @Test
    void flowsOfHealthyBackendsStayWhenAnotherGoesDownAndItsFlowsMove() {
        try (LbRig rig = new LbRig(build(Map.of()), 1 << 16)) {
            long[] first = send(rig, FLOWS, SYN);
            assertThat(first).contains(MAC_10);

            rig.tables.publishRelease(build(Map.of("10.0.1.10", Availability.DOWN)));
            long[] during = send(rig, FLOWS, ACK);
            int moved = 0;
            for (int i = 0; i < FLOWS; i++) {
                if (first[i] == MAC_10) {
                    assertThat(during[i]).as("flow %d of the down backend moves", i).isNotEqualTo(MAC_10);
                    moved++;
                } else {
                    assertThat(during[i]).as("flow %d of a healthy backend stays", i).isEqualTo(first[i]);
                }
            }
            assertThat(moved).isGreaterThan(FLOWS / 8);
            assertThat(newFlows(rig, 250)).as("no new flow to the down backend").doesNotContain(MAC_10);

            // It comes back: the flows that moved stay where they went; new flows reach it again.
            rig.tables.publishRelease(build(Map.of()));
            long[] after = send(rig, FLOWS, ACK);
            assertThat(after).as("established flows keep their backend").isEqualTo(during);
            assertThat(newFlows(rig, 250)).as("Maglev gives it new flows again").contains(MAC_10);
        }
    }

    @Test
    void aDrainedBackendKeepsItsEstablishedFlowsAndTakesNoNewOnes() {
        try (LbRig rig = new LbRig(build(Map.of()), 1 << 16)) {
            long[] first = send(rig, FLOWS, SYN);
            rig.tables.publishRelease(build(Map.of("10.0.1.11", Availability.DRAINED)));
            long[] during = send(rig, FLOWS, ACK);
            assertThat(during).as("every established flow stays, those of the drained backend too").isEqualTo(first);
            assertThat(during).contains(MAC_11);

            long[] before = rig.snapshot();
            assertThat(newFlows(rig, 200)).as("no new flow to the drained backend").doesNotContain(MAC_11);
            assertThat(rig.delta(before)).containsEntry("new_flows", 200L);
            assertThat(send(rig, FLOWS, ACK)).as("still, after new flows came").isEqualTo(first);
        }
    }

    @Test
    void everyBackendDownDropsTheVipsPacketsAndCountsThem() {
        Map<String, Availability> allDown = Map.of("10.0.1.10", Availability.DOWN, "10.0.1.11", Availability.DOWN,
                "10.0.1.12", Availability.DOWN, "10.0.1.13", Availability.DOWN);
        try (LbRig rig = new LbRig(build(Map.of()), 1 << 16)) {
            send(rig, 100, SYN);
            rig.tables.publishRelease(build(allDown));
            long[] before = rig.snapshot();
            List<byte[]> frames = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                frames.add(tcp(client(i), 1024 + i, ACK)); // established
                frames.add(tcp(client(1000 + i), 1024, SYN)); // new
            }
            for (LbRig.Out out : rig.burst(0, frames)) {
                assertThat(out.verdict()).isEqualTo(Verdicts.DROP);
            }
            assertThat(rig.delta(before)).containsEntry("drop_no_backend", 200L).containsEntry("dropped", 200L)
                    .doesNotContainKey("forwarded");
            // One comes back: the VIP serves again, on it alone.
            rig.tables.publishRelease(build(Map.of("10.0.1.10", Availability.DOWN, "10.0.1.11", Availability.DOWN,
                    "10.0.1.12", Availability.DOWN)));
            assertThat(send(rig, 100, SYN)).containsOnly(0x02_00_00_00_00_0DL);
        }
    }

    @Test
    void weightZeroInTheConfigurationDrainsLikeAnOperatorsDrain() {
        BackendConfig[] b = dsrBackends(3);
        LbTables full = builder.build(web(b), LbRig.OWN_MAC, 1500, LbRig.macs());
        try (LbRig rig = new LbRig(full, 1 << 16)) {
            long[] first = send(rig, FLOWS, SYN);
            BackendConfig[] zero = {b[0], new BackendConfig(b[1].address(), 0, b[1].mac()), b[2]};
            rig.tables.publishRelease(builder.build(web(zero), LbRig.OWN_MAC, 1500, LbRig.macs()));
            assertThat(send(rig, FLOWS, ACK)).isEqualTo(first);
        }
    }
}
