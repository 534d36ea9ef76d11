package dev.sluice.lb.control;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.conntrack.FlowKey;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.Vip;
import dev.sluice.lb.stats.LbStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.lb.control.ReloadPlanTest.RUNNING;
import static dev.sluice.lb.control.ReloadPlanTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane over a fake interface: reloads (order, refusals, roll-back), drains, status. The
 * data path's side of the same tables is in the dataplane package's tests.
 */
class ControlPlaneTest {
    /** An interface that records what the control plane asks of it, and what the workers saw then. */
    final class FakeEnvironment implements ControlPlane.Environment {
        final List<String> events = new CopyOnWriteArrayList<>();
        final Set<SteeringRule> steered = Collections.synchronizedSet(new java.util.LinkedHashSet<>());
        volatile SteeringRule failOn;
        volatile SteeringRule failUnsteerOn;
        List<InetAddress> addresses = List.of();

        @Override
        public void steer(SteeringRule rule) {
            if (rule.equals(failOn)) {
                throw new IllegalStateException("the program refused " + rule);
            }
            events.add("steer " + rule.port() + " (published: " + published(rule) + ")");
            steered.add(rule);
        }

        @Override
        public void unsteer(SteeringRule rule) {
            if (rule.equals(failUnsteerOn)) {
                throw new IllegalStateException("the map refused");
            }
            events.add("unsteer " + rule.port() + " (published: " + published(rule) + ")");
            steered.remove(rule);
        }

        /** Whether the tables the workers read now serve the rule's VIP. */
        private boolean published(SteeringRule rule) {
            LbTables t = plane.tables().getAcquire();
            for (Vip v : t.vips()) {
                if (v.config().address().equals(rule.address()) && v.config().port() == rule.port()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public List<InetAddress> interfaceAddresses() {
            return addresses;
        }

        @Override
        public void resolve(LbConfig config) {
            events.add("resolve " + config.vips().size() + " VIPs");
        }

        /** Asks for a MAC that stay unanswered (the kernel still resolving). */
        final java.util.concurrent.atomic.AtomicInteger unknownFor = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public long mac(InetAddress target, Forwarding mode) {
            if (unknownFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return -1;
            }
            byte[] a = target.getAddress();
            return 0x02_00_00_00_00_00L | (a[a.length - 1] & 0xFF);
        }
    }

    final FakeEnvironment env = new FakeEnvironment();
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<ConnectionTable> connections = new ArrayList<>();
    LbStats stats;
    ControlPlane plane;

    ControlPlane start(LbConfig config) {
        connections.add(new ConnectionTable(config.connections().capacity(), config.connections().tcpIdle().toNanos(),
                config.connections().udpIdle().toNanos()));
        stats = new LbStats(1, ControlPlane.statsRows(config));
        plane = new ControlPlane(config, env, 0x02_00_00_00_00_01L, 1500, 64, connections, stats, CounterAllocator.inMemory(),
                log::add, () -> { });
        for (var vip : config.vips()) {
            env.steered.add(ReloadPlan.rule(vip));
        }
        plane.start();
        return plane;
    }

    @AfterEach
    void close() {
        if (plane != null) {
            plane.close();
        }
        connections.forEach(ConnectionTable::close);
        if (stats != null) {
            stats.close();
        }
    }

    static InetAddress ip(String a) throws Exception {
        return InetAddress.getByName(a);
    }

    static List<String> backends(LbTables t, String vip) {
        return t.vip(vip).backends().stream().map(InetAddress::getHostAddress).toList();
    }

    static int weight(LbTables t, String vip, String backend) throws Exception {
        Vip v = t.vip(vip);
        return v.effectiveWeight(v.backends().indexOf(ip(backend)));
    }

    static final String NEXT = RUNNING.replace("""
              - name: dns
                address: 10.0.0.100
                protocol: udp
                port: 53
            """, """
              - name: api
                address: 10.0.0.100
                port: 443
            """).replace("      - {address: 10.0.1.13}\n", "");

    @Test
    void aReloadSteersAddedVipsBeforeThePublishAndUnsteersRemovedOnesAfter() {
        start(parse(RUNNING));
        env.events.clear();
        LbTables before = plane.tables().getAcquire();
        AdminReply reply = plane.reload(parse(NEXT));
        assertThat(reply).isEqualTo(AdminReply.ok("applied lb.yaml: 2 VIPs, 3 backends (+vip api, -vip dns, "
                + "-backend 10.0.1.13 from web)"));
        assertThat(env.events).containsExactly("resolve 4 VIPs", "steer 443 (published: false)",
                "unsteer 53 (published: false)", "resolve 2 VIPs");
        LbTables after = plane.tables().getAcquire();
        assertThat(after).isNotSameAs(before);
        assertThat(backends(after, "web")).containsExactly("10.0.1.11", "10.0.1.12");
        assertThat(after.vip("api")).isNotNull();
        assertThat(after.vip("dns")).isNull();
        assertThat(plane.config()).isEqualTo(parse(NEXT));
        assertThat(env.steered).extracting(SteeringRule::port).containsExactlyInAnyOrder(80, 443);
        assertThat(log).contains("reload: " + reply.message());
        LbStatus status = plane.status(Instant.EPOCH, 1);
        assertThat(status.vips()).extracting(VipStatus::name).containsExactly("web", "api");
        assertThat(status.configSource()).isEqualTo("lb.yaml");
    }

    @Test
    void aFileIsLoadedAndAnInvalidOneIsRefusedWithTheLoadersMessage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        start(parse(RUNNING));
        java.nio.file.Path file = dir.resolve("lb.yaml");
        java.nio.file.Files.writeString(file, RUNNING.replace("{address: 10.0.1.12}", "{address: 10.0.1.12, weight: 70000}"));
        LbTables before = plane.tables().getAcquire();
        AdminReply bad = plane.reload(file, name -> name.equals("eth0"));
        assertThat(bad).isEqualTo(AdminReply.refused(file + ":10:38: vips[0].backends[1].weight: 70000 is out of range 0..65535"));
        assertThat(log).contains("reload refused: " + bad.message());
        assertThat(plane.tables().getAcquire()).isSameAs(before);

        AdminReply missing = plane.reload(dir.resolve("nope.yaml"), name -> true);
        assertThat(missing).isEqualTo(AdminReply.refused(dir.resolve("nope.yaml") + ": no such file"));

        java.nio.file.Files.writeString(file, NEXT);
        AdminReply good = plane.reload(file, name -> name.equals("eth0"));
        assertThat(good.message()).startsWith("applied " + file + ": 2 VIPs, 3 backends (+vip api");
        assertThat(plane.config().source()).isEqualTo(file);
    }

    @Test
    void aReloadWaitsForTheMacsOfTheBackendsItAdds() throws Exception {
        start(parse(RUNNING));
        plane.resolveWait(java.time.Duration.ofMinutes(1));
        env.unknownFor.set(5);
        assertThat(plane.reload(parse(RUNNING.replace("{address: 10.0.1.21}", "{address: 10.0.1.22}"))).ok()).isTrue();
        assertThat(env.unknownFor.get()).as("asked until known").isZero();
        assertThat(plane.tables().getAcquire().unresolved()).isEmpty();
        assertThat(weight(plane.tables().getAcquire(), "dns", "10.0.1.22")).isEqualTo(100);
        assertThat(log).noneMatch(line -> line.contains("takes no new flows"));
    }

    @Test
    void theSameConfigurationAgainChangesNothingButIsApplied() {
        start(parse(RUNNING));
        AdminReply reply = plane.reload(parse(RUNNING));
        assertThat(reply).isEqualTo(AdminReply.ok("applied lb.yaml: 2 VIPs, 4 backends (no change)"));
    }

    @Test
    void aRefusedReloadTouchesNothing() {
        start(parse(RUNNING));
        env.events.clear();
        LbTables before = plane.tables().getAcquire();
        AdminReply reply = plane.reload(parse(RUNNING.replace("workers: 2", "workers: 3")));
        assertThat(reply).isEqualTo(AdminReply.refused("not applied lb.yaml: workers: 3 differs from the running 2 "
                + "(a restart changes it) (the running configuration stays)"));
        assertThat(plane.tables().getAcquire()).isSameAs(before);
        assertThat(env.events).isEmpty();
        assertThat(plane.config()).isEqualTo(parse(RUNNING));
        assertThat(log).contains("reload refused: " + reply.message());
    }

    @Test
    void tablesThatCannotBeBuiltAreRefusedAndTheRunningOnesStay() {
        start(parse(RUNNING));
        LbTables before = plane.tables().getAcquire();
        AdminReply reply = plane.reload(parse(NEXT.replace("    port: 443\n", "    port: 443\n    forwarding: ipip\n")));
        assertThat(reply.ok()).isFalse();
        assertThat(reply.message()).isEqualTo("not applied lb.yaml: eth0: vip api: backend 10.0.1.21 needs an IPv4 outer "
                + "source: set encapsulation.source-prefix-v4 or give the interface an IPv4 address (the running configuration stays)");
        assertThat(plane.tables().getAcquire()).isSameAs(before);
        assertThat(env.steered).extracting(SteeringRule::port).containsExactlyInAnyOrder(80, 53);
        assertThat(env.events).last().isEqualTo("resolve 2 VIPs");
        assertThat(plane.reload(parse(NEXT)).ok()).as("the statistics were put back: a good reload still fits").isTrue();
    }

    @Test
    void aFailedSteerUndoesTheRulesAlreadyAdded() throws Exception {
        start(parse(RUNNING));
        env.failOn = SteeringRule.vip(ip("10.0.0.101"), 6, 8443);
        LbTables before = plane.tables().getAcquire();
        String twoMore = NEXT + """
                  - name: admin
                    address: 10.0.0.101
                    port: 8443
                    backends: [{address: 10.0.1.11}]
                """;
        AdminReply reply = plane.reload(parse(twoMore));
        assertThat(reply.ok()).isFalse();
        assertThat(reply.message()).startsWith("not applied lb.yaml: steering the new VIPs failed: the program refused");
        assertThat(env.steered).extracting(SteeringRule::port).containsExactlyInAnyOrder(80, 53);
        assertThat(plane.tables().getAcquire()).isSameAs(before);
    }

    @Test
    void aFailedUnsteerAfterThePublishIsReportedAndTheRestStillDone() throws Exception {
        start(parse(RUNNING));
        env.failUnsteerOn = SteeringRule.vip(ip("10.0.0.100"), 17, 53);
        plane.drain(ip("10.0.1.13"), true);
        env.events.clear();
        AdminReply reply = plane.reload(parse(NEXT));
        assertThat(reply.ok()).isTrue();
        assertThat(reply.message()).startsWith("applied lb.yaml: 2 VIPs, 3 backends (+vip api, -vip dns, -backend 10.0.1.13 from web)")
                .contains("drains of removed backends forgotten: 10.0.1.13")
                .endsWith("; removing the steering rule " + env.failUnsteerOn + " failed (its packets still reach the workers, "
                        + "which drop them as no VIP's): the map refused");
        assertThat(plane.config()).isEqualTo(parse(NEXT));
        assertThat(env.events).last().isEqualTo("resolve 2 VIPs");
    }

    @Test
    void aDrainKeepsTheBackendWithWeightZeroOutlivesReloadsAndEndsWithIt() throws Exception {
        start(parse(RUNNING));
        AdminReply drained = plane.drain(ip("10.0.1.12"), true);
        assertThat(drained).isEqualTo(AdminReply.ok("drained backend 10.0.1.12 in web: no new flows, established ones stay"));
        assertThat(log).contains(drained.message());
        assertThat(backends(plane.tables().getAcquire(), "web")).contains("10.0.1.12");
        assertThat(weight(plane.tables().getAcquire(), "web", "10.0.1.12")).isZero();
        BackendStatus s = plane.status(Instant.EPOCH, 1).vips().get(0).backends().get(1);
        assertThat(s.address()).isEqualTo("10.0.1.12");
        assertThat(s.drained()).isTrue();
        assertThat(s.weight()).isEqualTo(100);
        assertThat(s.effectiveWeight()).isZero();
        assertThat(s.health()).isEqualTo(BackendStatus.UNCHECKED);

        // kept across a reload that keeps it (and changes its weight)
        assertThat(plane.reload(parse(RUNNING.replace("{address: 10.0.1.12}", "{address: 10.0.1.12, weight: 5}"))).ok()).isTrue();
        assertThat(weight(plane.tables().getAcquire(), "web", "10.0.1.12")).isZero();
        assertThat(plane.drain(ip("10.0.1.12"), false)).isEqualTo(
                AdminReply.ok("undrained backend 10.0.1.12 in web: it takes new flows again"));
        assertThat(weight(plane.tables().getAcquire(), "web", "10.0.1.12")).isEqualTo(5);

        // forgotten with the backend
        plane.drain(ip("10.0.1.13"), true);
        AdminReply removed = plane.reload(parse(RUNNING.replace("      - {address: 10.0.1.13}\n", "")));
        assertThat(removed.message()).endsWith("-backend 10.0.1.13 from web); drains of removed backends forgotten: 10.0.1.13");
        assertThat(plane.reload(parse(RUNNING)).ok()).isTrue();
        assertThat(weight(plane.tables().getAcquire(), "web", "10.0.1.13")).as("back, not drained").isEqualTo(100);

        AdminReply unknown = plane.drain(ip("10.0.1.99"), true);
        assertThat(unknown.ok()).isFalse();
        assertThat(unknown.message()).startsWith("no backend 10.0.1.99 in any VIP");
    }

    @Test
    void aReloadChangesTheConnectionTablesIdleTimeouts() {
        start(parse(RUNNING));
        ConnectionTable table = connections.get(0);
        FlowKey key = new FlowKey();
        key.ipv4(1, FlowKey.TCP, 0x0A000001, 40000, 80);
        long t0 = 1_000_000_000_000L;
        table.insert(key, 3, t0);
        assertThat(table.lookup(key, t0 + 10_000_000_000L)).as("alive after 10 s of 300").isEqualTo(3);
        assertThat(plane.reload(parse(RUNNING.replace("tcp-idle: 300s", "tcp-idle: 5s"))).ok()).isTrue();
        assertThat(table.lookup(key, t0 + 20_000_000_000L)).as("expired after 10 s of 5").isEqualTo(ConnectionTable.NOT_FOUND);
    }

    @Test
    void afterStopChangesAreRefusedAndStatusStillAnswers() throws Exception {
        start(parse(RUNNING));
        plane.stop();
        AdminReply r = plane.reload(parse(NEXT));
        assertThat(r).isEqualTo(AdminReply.refused("the load balancer on eth0 is stopping"));
        assertThat(plane.drain(ip("10.0.1.12"), true).ok()).isFalse();
        assertThat(plane.status(Instant.EPOCH, 1).vips()).hasSize(2);
        assertThat(plane.config()).isEqualTo(parse(RUNNING));
    }

    @Test
    void statusSumsTheConnectionTablesAndNamesEverything() {
        start(parse(RUNNING));
        FlowKey key = new FlowKey();
        key.ipv4(1, FlowKey.TCP, 0x0A000001, 40000, 80);
        connections.get(0).insert(key, 1, 1);
        LbStatus s = plane.status(Instant.EPOCH, 4);
        assertThat(s.interfaceName()).isEqualTo("eth0");
        assertThat(s.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(s.queues()).isEqualTo(4);
        assertThat(s.workers()).isEqualTo(1);
        assertThat(s.flows()).isEqualTo(1);
        assertThat(s.flowCapacity()).isEqualTo(connections.get(0).capacity());
        VipStatus dns = s.vips().get(1);
        assertThat(dns).extracting(VipStatus::name, VipStatus::address, VipStatus::protocol, VipStatus::port, VipStatus::forwarding)
                .containsExactly("dns", "10.0.0.100", "udp", 53, "dsr");
        assertThat(dns.backends()).singleElement().extracting(BackendStatus::address, BackendStatus::effectiveWeight,
                BackendStatus::unresolved, BackendStatus::lastFailure).containsExactly("10.0.1.21", 100, false, null);
    }
}
