package dev.sluice.lb.control;

import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What a reload would change, and what a running balancer refuses to change. */
class ReloadPlanTest {
    static final String RUNNING = """
            interface: eth0
            workers: 2
            connections: {capacity: 4096, tcp-idle: 300s, udp-idle: 30s}
            vips:
              - name: web
                address: 10.0.0.100
                port: 80
                backends:
                  - {address: 10.0.1.11}
                  - {address: 10.0.1.12}
                  - {address: 10.0.1.13}
              - name: dns
                address: 10.0.0.100
                protocol: udp
                port: 53
                backends:
                  - {address: 10.0.1.21}
            """;

    static LbConfig parse(String yaml) {
        return LbConfigLoader.parse(yaml, Path.of("lb.yaml"), name -> name.equals("eth0") || name.equals("eth1"));
    }

    static LbConfig edit(String from, String to) {
        assertThat(RUNNING).contains(from);
        return parse(RUNNING.replace(from, to));
    }

    static SteeringRule rule(String address, int protocol, int port) throws Exception {
        return SteeringRule.vip(InetAddress.getByName(address), protocol, port);
    }

    @Test
    void theSameConfigurationChangesNothing() {
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), parse(RUNNING), 64);
        assertThat(plan.refused()).isFalse();
        assertThat(plan.changes()).isEmpty();
        assertThat(plan.steer()).isEmpty();
        assertThat(plan.unsteer()).isEmpty();
        assertThat(plan.message("lb.yaml")).isEqualTo("applied lb.yaml: 2 VIPs, 4 backends (no change)");
    }

    @Test
    void addedAndRemovedVipsAndBackendsAndWeightsAreListedAndSteeredInOrder() throws Exception {
        LbConfig next = parse(RUNNING.replace("      - {address: 10.0.1.13}\n", "      - {address: 10.0.1.14, weight: 50}\n")
                .replace("{address: 10.0.1.11}", "{address: 10.0.1.11, weight: 10}")
                .replace("""
                          - name: dns
                            address: 10.0.0.100
                            protocol: udp
                            port: 53
                        """, """
                          - name: api
                            address: 10.0.0.101
                            port: 443
                        """));
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), next, 64);
        assertThat(plan.refused()).isFalse();
        assertThat(plan.changes()).containsExactly("+vip api", "-vip dns", "weight of 10.0.1.11 in web 100 -> 10",
                "+backend 10.0.1.14 to web", "-backend 10.0.1.13 from web");
        assertThat(plan.steer()).containsExactly(rule("10.0.0.101", 6, 443));
        assertThat(plan.unsteer()).containsExactly(rule("10.0.0.100", 17, 53));
        assertThat(plan.message("lb.yaml")).isEqualTo("applied lb.yaml: 2 VIPs, 4 backends (+vip api, -vip dns, "
                + "weight of 10.0.1.11 in web 100 -> 10, +backend 10.0.1.14 to web, -backend 10.0.1.13 from web)");
    }

    @Test
    void aVipThatMovesToAnotherPortIsSteeredAnewAndNamed() throws Exception {
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), edit("    port: 80\n", "    port: 8080\n    forwarding: ipip\n"), 64);
        assertThat(plan.changes()).containsExactly("vip web: port 80 -> 8080, forwarding dsr -> ipip");
        assertThat(plan.steer()).containsExactly(rule("10.0.0.100", 6, 8080));
        assertThat(plan.unsteer()).containsExactly(rule("10.0.0.100", 6, 80));
    }

    @Test
    void aRenamedVipKeepsItsSteeringRule() {
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), edit("  - name: dns\n", "  - name: resolver\n"), 64);
        assertThat(plan.changes()).containsExactly("+vip resolver", "-vip dns");
        assertThat(plan.steer()).as("the same (address, protocol, port): never unsteered").isEmpty();
        assertThat(plan.unsteer()).isEmpty();
    }

    @Test
    void timeoutsHealthAndEncapsulationChangesApply() {
        LbConfig next = parse(RUNNING.replace("tcp-idle: 300s", "tcp-idle: 60s")
                .replace("    port: 80\n", "    port: 80\n    health: {type: http, path: /healthz}\n"));
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), next, 64);
        assertThat(plan.refused()).isFalse();
        assertThat(plan.timeoutsChanged()).isTrue();
        assertThat(plan.changes()).containsExactly("vip web: health check added", "connections.tcp-idle 5m -> 1m");
    }

    @Test
    void whatWasSizedAtStartIsRefusedWithEveryReason() {
        LbConfig next = parse(RUNNING.replace("interface: eth0", "interface: eth1").replace("workers: 2", "workers: 4")
                .replace("capacity: 4096", "capacity: 8192"));
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), next, 64);
        assertThat(plan.refused()).isTrue();
        assertThat(plan.refusals()).containsExactly(
                "interface: eth1 differs from the running eth0 (a restart changes it)",
                "workers: 4 differs from the running 2 (a restart changes it)",
                "connections.capacity: 8192 differs from the running 4096 (a restart changes it)");
        assertThat(plan.message("lb.yaml")).startsWith("not applied lb.yaml: interface: eth1 differs")
                .endsWith("(the running configuration stays)");
        ReloadPlan auto = ReloadPlan.of(parse(RUNNING), edit("workers: 2\n", ""), 64);
        assertThat(auto.refusals()).containsExactly("workers: 0 (one per queue) differs from the running 2 (a restart changes it)");
    }

    @Test
    void workersZeroIsComparedAsTheWorkersItGivesOnTheRunningInterface() {
        LbConfig auto = edit("workers: 2\n", "");
        assertThat(ReloadPlan.of(parse(RUNNING), auto, 64, 2).refused()).as("0 gives 2 here").isFalse();
        assertThat(ReloadPlan.of(auto, parse(RUNNING), 64, 2).refused()).isFalse();
        assertThat(ReloadPlan.of(parse(RUNNING), auto, 64, 4).refusals())
                .containsExactly("workers: 0 (one per queue: 4) differs from the running 2 (a restart changes it)");
    }

    @Test
    void moreVipsThanTheSteeringMapHoldsWhileBothAreSteeredIsRefused() {
        StringBuilder many = new StringBuilder("interface: eth0\nworkers: 2\nconnections: {capacity: 4096, tcp-idle: 300s, udp-idle: 30s}\nvips:\n");
        for (int i = 0; i < 3; i++) {
            many.append("  - {name: v").append(i).append(", address: 10.0.9.").append(i)
                    .append(", port: 80, backends: [{address: 10.0.1.11}]}\n");
        }
        LbConfig next = parse(many.toString());
        assertThat(ReloadPlan.of(parse(RUNNING), next, 5).refused()).as("2 running + 3 new = 5 fit").isFalse();
        ReloadPlan plan = ReloadPlan.of(parse(RUNNING), next, 4);
        assertThat(plan.refusals()).containsExactly("3 VIPs need 5 steering rules while the 2 running ones stay steered, "
                + "more than the 4 this balancer holds (a restart sizes it for the new configuration)");
    }

    @Test
    void theSteeringMapIsSizedForReloads() {
        assertThat(LoadBalancer.steeringCapacity(parse(RUNNING))).isEqualTo(64);
        StringBuilder many = new StringBuilder("interface: eth0\nvips:\n");
        for (int i = 0; i < 20; i++) {
            many.append("  - {name: v").append(i).append(", address: 10.0.9.").append(i)
                    .append(", port: 80, backends: [{address: 10.0.1.11}]}\n");
        }
        assertThat(LoadBalancer.steeringCapacity(parse(many.toString()))).isEqualTo(80);
    }
}
