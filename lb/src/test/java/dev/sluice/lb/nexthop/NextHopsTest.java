package dev.sluice.lb.nexthop;

import dev.sluice.sys.Errno;
import dev.sluice.sys.Neighbour;
import dev.sluice.sys.Route;
import dev.sluice.testing.Await;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static dev.sluice.lb.nexthop.Namespaces.address;
import static dev.sluice.lb.nexthop.Namespaces.mac;
import static dev.sluice.lb.nexthop.Namespaces.nextHopsIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * NextHops against a real kernel: namespace A asks, namespace B answers ARP and neighbour
 * solicitations over a veth pair. Nothing is in A's neighbour table before a test asks.
 */
class NextHopsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @BeforeAll
    static void privileges() {
        Privileged.requireNamespaces("creates network namespaces and makes their kernels resolve neighbours");
        Privileged.requireTool("ip", "builds namespaces, routes and neighbour entries");
    }

    @Test
    void anIpv4NeighbourNotInTheTableYetGetsResolved() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            assertResolvedFromNothing(hops, address(net.ipB), mac(net.macB()));
        }
    }

    @Test
    void anIpv6NeighbourNotInTheTableYetGetsResolved() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            assertResolvedFromNothing(hops, address(net.ip6B), mac(net.macB()));
        }
    }

    private static void assertResolvedFromNothing(NextHops hops, InetAddress peer, long peerMac) {
        assertThat(hops.neighbours()).as("A's neighbour table before asking").doesNotContainKey(peer);
        assertThat(hops.neighbourMac(peer)).as("first answer: nothing known, resolution asked").isEqualTo(NextHops.UNKNOWN);
        Await.until(() -> hops.neighbourMac(peer) == peerMac, DEADLINE,
                () -> "the kernel to resolve " + peer.getHostAddress() + "; table: " + hops.neighbours().get(peer));
        assertThat(hops.neighbours().get(peer).usable()).isTrue();
    }

    @Test
    void aStaleEntryIsUsedAndConfirmedByTheKernel() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            InetAddress b = address(net.ipB);
            // STALE: the kernel keeps it so until something sends through it, which the data plane never does.
            net.exec(net.nsA, "ip", "neigh", "replace", net.ipB, "lladdr", net.macB(), "dev", net.ifA, "nud", "stale");
            assertThat(hops.neighbours().get(b).stateName()).isEqualTo("STALE");
            assertThat(hops.neighbourMac(b)).as("a STALE MAC is still the backend's").isEqualTo(mac(net.macB()));
            // Asked to confirm it, the kernel goes DELAY -> PROBE (unicast) and B's answer makes it REACHABLE.
            Await.until(() -> hops.neighbours().get(b).stateName().equals("REACHABLE"), DEADLINE,
                    () -> "the kernel to confirm the STALE entry; now " + hops.neighbours().get(b));
        }
    }

    @Test
    void aRouteViaAGatewayGivesTheGatewaysMac() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            net.exec(net.nsA, "ip", "route", "add", "198.51.100.0/24", "via", net.ipB, "dev", net.ifA);
            net.exec(net.nsA, "ip", "-6", "route", "add", "2001:db8:77::/64", "via", net.ip6B, "dev", net.ifA);
            long macB = mac(net.macB());
            for (String destination : new String[] {"198.51.100.7", "2001:db8:77::7"}) {
                InetAddress target = address(destination);
                Route route = hops.route(target);
                assertThat(route.reachable()).as(destination + ": " + route).isTrue();
                assertThat(route.outputIfindex()).isEqualTo(hops.interfaceIndex());
                assertThat(route.gateway()).isEqualTo(address(target.getAddress().length == 4 ? net.ipB : net.ip6B));
                assertThat(route.preferredSource()).isIn(address(net.ipA), address(net.ip6A), null);
                Await.until(() -> hops.nextHopMac(target) == macB, DEADLINE, "the MAC of the gateway toward " + destination);
            }
        }
    }

    @Test
    void anOnLinkDestinationIsItsOwnNextHop() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            InetAddress b = address(net.ipB);
            Route route = hops.route(b);
            assertThat(route.gateway()).isNull();
            assertThat(route.nextHop()).isEqualTo(b);
            Await.until(() -> hops.nextHopMac(b) == mac(net.macB()), DEADLINE, "the MAC of on-link " + net.ipB);
        }
    }

    @Test
    void anUnreachableTargetStaysUnknownWithoutExceptions() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            InetAddress nowhere = address("203.0.113.9");
            assertThat(hops.route(nowhere).errno()).isEqualTo(Errno.ENETUNREACH);
            assertThat(hops.route(nowhere).problem()).contains("ENETUNREACH");
            assertThat(hops.nextHopMac(nowhere)).isEqualTo(NextHops.UNKNOWN);
            assertThat(hops.nextHopMac(address("2001:db8:99::1"))).isEqualTo(NextHops.UNKNOWN);

            // On-link, but nobody holds it: the kernel solicits, gives up (FAILED), and it stays unknown.
            // (Reading the table does not ask again; neighbourMac on a FAILED entry does.)
            InetAddress silent = address(net.ipB.substring(0, net.ipB.lastIndexOf('.')) + ".99");
            assertThat(hops.neighbourMac(silent)).isEqualTo(NextHops.UNKNOWN);
            Await.until(() -> {
                Neighbour entry = hops.neighbours().get(silent);
                return entry != null && (entry.state() & Neighbour.NUD_FAILED) != 0;
            }, DEADLINE, () -> "the kernel to give up on " + silent.getHostAddress() + "; table: " + hops.neighbours().get(silent));
            assertThat(hops.neighbourMac(silent)).isEqualTo(NextHops.UNKNOWN);
            assertThat(hops.nextHopMac(silent)).isEqualTo(NextHops.UNKNOWN);
        }
    }

    @Test
    void theInterfacesOwnAddressesMacAndMtu() {
        try (NetnsPair net = Namespaces.pair(); NextHops hops = nextHopsIn(net.nsA, net.ifA)) {
            assertThat(hops.interfaceMac()).isEqualTo(mac(net.macA()));
            assertThat(hops.interfaceMtu()).isEqualTo(1500);
            net.exec(net.nsA, "ip", "link", "set", "dev", net.ifA, "mtu", "1400");
            assertThat(hops.interfaceMtu()).isEqualTo(1400);
            assertThat(hops.interfaceAddresses()).contains(address(net.ipA), address(net.ip6A));
            assertThat(hops.interfaceAddresses().getFirst()).isIn(address(net.ipA), address(net.ip6A));
            assertThat(hops.interfaceAddresses()).doesNotContain(address(net.ipB), address("127.0.0.1"));
        }
    }

    @Test
    void anInterfaceThatDoesNotExistIsOneClearError() {
        assertThatThrownBy(() -> new NextHops("nosuchif0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no network interface named 'nosuchif0' (see 'ip link')");
    }
}
