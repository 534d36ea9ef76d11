package dev.sluice.lb.nexthop;

import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.testing.Await;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.lb.nexthop.Namespaces.address;
import static dev.sluice.lb.nexthop.Namespaces.mac;
import static dev.sluice.lb.nexthop.Namespaces.nextHopsIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The refresher's thread against a real kernel: resolution, changes, one log line per transition. */
class NextHopRefresherTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @BeforeAll
    static void privileges() {
        Privileged.requireNamespaces("creates network namespaces and makes their kernels resolve neighbours");
        Privileged.requireTool("ip", "builds namespaces, routes and neighbour entries");
    }

    @Test
    void watchedTargetsResolveChangeAndAreLoggedOncePerTransition() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            net.exec(net.nsA, "ip", "route", "add", "198.51.100.0/24", "via", net.ipB, "dev", net.ifA);
            String subnet = net.ipB.substring(0, net.ipB.lastIndexOf('.'));
            InetAddress backend = address(net.ipB);
            InetAddress backend6 = address(net.ip6B);
            InetAddress late = address(subnet + ".77");              // nobody holds it until later
            InetAddress routed = address("198.51.100.7");            // via B
            InetAddress unroutable = address("203.0.113.9");         // no route at all
            long macB = mac(net.macB());
            List<String> log = new CopyOnWriteArrayList<>();
            AtomicInteger changes = new AtomicInteger();
            try (NextHopRefresher refresher = new NextHopRefresher(hops, Duration.ofMillis(200), changes::incrementAndGet, log::add)) {
                refresher.watch(List.of(backend, backend6, late), List.of(routed, unroutable));
                assertThat(refresher.mac(late)).isEqualTo(NextHops.UNKNOWN);

                Await.until(() -> refresher.mac(backend) == macB && refresher.mac(backend6) == macB
                                && refresher.mac(routed) == macB && changes.get() > 0,
                        DEADLINE, () -> "backends and the routed target to resolve; changes " + changes + ", log " + log);
                assertThat(refresher.nextHopMac(routed)).isEqualTo(macB);
                assertThat(refresher.neighbourMac(routed)).isEqualTo(NextHops.UNKNOWN);
                assertThat(refresher.mac(unroutable)).isEqualTo(NextHops.UNKNOWN);
                Await.until(() -> linesAbout(log, late) == 1 && linesAbout(log, unroutable) == 1, DEADLINE,
                        () -> "one line each about the silent and the unroutable target: " + log);
                assertThat(log).anySatisfy(l -> assertThat(l).contains("neighbour " + late.getHostAddress(), "no MAC",
                        "no answer to ARP", "takes no new flows"));
                assertThat(log).anySatisfy(l -> assertThat(l).contains("next hop toward 203.0.113.9", "ENETUNREACH"));

                // The silent address appears on B: the refresher asks again, it resolves, one more line.
                int before = changes.get();
                net.exec(net.nsB, "ip", "addr", "add", late.getHostAddress() + "/24", "dev", net.ifB);
                Await.until(() -> refresher.mac(late) == macB, DEADLINE, () -> "the late backend to resolve: " + log);
                Await.until(() -> changes.get() > before, DEADLINE, "onChange after the late backend resolved");
                Await.until(() -> linesAbout(log, late) == 2, DEADLINE, () -> "a line about the late backend resolving: " + log);
                assertThat(log.getLast()).contains("resolved to " + net.macB());

                // The kernel's table changes under it: a new MAC, onChange, one line.
                int beforeReplace = changes.get();
                net.exec(net.nsA, "ip", "neigh", "replace", net.ipB, "lladdr", "02:00:5a:00:00:99", "dev", net.ifA, "nud", "permanent");
                Await.until(() -> refresher.mac(backend) == 0x02_00_5a_00_00_99L && changes.get() > beforeReplace, DEADLINE,
                        "the replaced MAC to be seen");
                Await.until(() -> linesAbout(log, backend) == 1, DEADLINE, () -> "one line about the change: " + log);
                assertThat(log).anySatisfy(l -> assertThat(l).contains("changed from " + net.macB() + " to 02:00:5a:00:00:99"));

                // Nothing else to say while nothing changes: another pass adds no line.
                int lines = log.size();
                int passesBefore = changes.get();
                refresher.watch(List.of(backend, backend6, late), List.of(routed, unroutable));
                assertThat(changes.get()).isEqualTo(passesBefore);
                assertThat(log).hasSize(lines);
                assertThat(log).noneSatisfy(l -> assertThat(l).contains("failed"));
            }
        }
    }

    @Test
    void aConfigurationIsWatchedForWhatItTakesFromTheKernel() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            net.exec(net.nsA, "ip", "route", "add", "198.51.100.0/24", "via", net.ipB, "dev", net.ifA);
            String subnet = net.ipB.substring(0, net.ipB.lastIndexOf('.'));
            LbConfig config = LbConfigLoader.parse("""
                    interface: %s
                    vips:
                      - name: direct
                        address: 192.0.2.10
                        protocol: tcp
                        port: 80
                        forwarding: dsr
                        backends:
                          - {address: %s}
                          - {address: %s.50, mac: "02:00:5a:00:00:50"}
                      - name: tunnelled
                        address: 192.0.2.11
                        protocol: udp
                        port: 53
                        forwarding: ipip
                        backends:
                          - {address: 198.51.100.7}
                    """.formatted(net.ifA, net.ipB, subnet), Path.of("lb.yaml"), name -> true);
            long macB = mac(net.macB());
            try (NextHopRefresher refresher = new NextHopRefresher(hops, Duration.ofMillis(200), () -> { }, line -> { })) {
                refresher.watch(config);
                Await.until(() -> refresher.mac(address(net.ipB), Forwarding.DSR) == macB
                                && refresher.mac(address("198.51.100.7"), Forwarding.IPIP) == macB,
                        DEADLINE, "the DSR backend and the IPIP backend's next hop to resolve");
                assertThat(refresher.mac(address("198.51.100.7"), Forwarding.DSR)).as("not a DSR backend").isEqualTo(NextHops.UNKNOWN);
                assertThat(refresher.mac(address(subnet + ".50"), Forwarding.DSR)).as("its MAC is configured: not watched")
                        .isEqualTo(NextHops.UNKNOWN);
            }
        }
    }

    @Test
    void aTargetNoLongerWatchedIsForgotten() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            InetAddress backend = address(net.ipB);
            try (NextHopRefresher refresher = new NextHopRefresher(hops, Duration.ofSeconds(1), () -> { }, line -> { })) {
                refresher.watch(List.of(backend), List.of());
                Await.until(() -> refresher.mac(backend) == mac(net.macB()), DEADLINE, "the backend to resolve");
                refresher.watch(List.of(), List.of());
                assertThat(refresher.mac(backend)).isEqualTo(NextHops.UNKNOWN);
            }
        }
    }

    @Test
    void closingWhileHoldingALockThatOnChangeWaitsForDoesNotHang() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            Object controlPlaneLock = new Object();
            AtomicInteger entered = new AtomicInteger();
            AtomicInteger applied = new AtomicInteger();
            NextHopRefresher refresher = new NextHopRefresher(hops, Duration.ofMillis(50), () -> {
                entered.incrementAndGet();
                synchronized (controlPlaneLock) {
                    applied.incrementAndGet();
                }
            }, line -> { });
            // One thread holds the lock throughout: the watch, the change's onChange blocking on it, the close.
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                synchronized (controlPlaneLock) {
                    refresher.watch(List.of(address(net.ipB)), List.of());
                    Await.until(() -> entered.get() > 0, DEADLINE, "onChange to start (the backend resolving)");
                    refresher.close();
                }
            }, "close while onChange waits for the closing thread's lock");
            Await.until(() -> applied.get() == 1, DEADLINE, "the waiting onChange to finish once the lock is free");
            assertThat(entered.get()).as("no onChange after close").isEqualTo(1);
        }
    }

    @Test
    void aNonPositiveIntervalIsRefused() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            assertThatThrownBy(() -> new NextHopRefresher(hops, Duration.ZERO, () -> { }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("next-hop refresh interval must be positive, not PT0S");
        }
    }

    private static long linesAbout(List<String> log, InetAddress target) {
        String name = target.getHostAddress() + " on ";
        return log.stream().filter(l -> l.contains(name)).count();
    }
}
