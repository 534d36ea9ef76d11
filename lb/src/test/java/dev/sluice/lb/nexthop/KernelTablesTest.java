package dev.sluice.lb.nexthop;

import dev.sluice.sys.InterfaceAddress;
import dev.sluice.sys.InterfaceAddresses;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Neighbour;
import dev.sluice.sys.Neighbours;
import dev.sluice.sys.NetlinkSocket;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.sluice.lb.nexthop.Namespaces.address;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sys rtnetlink readers against a real kernel (here because sys's own tests cannot use the
 * namespace helpers without a module cycle): dumps bigger than one netlink datagram are read to
 * NLMSG_DONE, and a request the kernel refuses is one clear error.
 */
class KernelTablesTest {
    private static final int ENTRIES = 300;
    private static final int AF_INET6 = 10;

    @BeforeAll
    static void privileges() {
        Privileged.requireNamespaces("creates network namespaces and fills their neighbour and address tables");
        Privileged.requireTool("ip", "fills the tables with 'ip -batch'");
    }

    @Test
    void aDumpOfManyNeighboursIsReadCompletely() throws IOException {
        try (NetnsPair net = Namespaces.pair(); NetlinkSocket socket = Namespaces.socketIn(net.nsA)) {
            Map<InetAddress, Long> expected = new HashMap<>();
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < ENTRIES; i++) {
                String v4 = "10.201." + (i / 200) + "." + (i % 200 + 1);
                String v6 = "fd00:5a:2::" + Integer.toHexString(i + 1);
                long mac = 0x02_00_5a_00_00_00L + i;
                String lladdr = String.format("02:00:5a:00:%02x:%02x", i >> 8, i & 0xff);
                batch.add("neigh add " + v4 + " lladdr " + lladdr + " dev " + net.ifA + " nud permanent");
                batch.add("neigh add " + v6 + " lladdr " + lladdr + " dev " + net.ifA + " nud permanent");
                expected.put(address(v4), mac);
                expected.put(address(v6), mac);
            }
            runBatch(net.nsA, batch);
            int ifindex = Namespaces.ifindexIn(net.nsA, net.ifA);

            long before = socket.datagramsReceived();
            List<Neighbour> v4 = Neighbours.dump(socket, LibC.AF_INET, ifindex);
            assertThat(socket.datagramsReceived() - before).as("datagrams of one IPv4 dump").isGreaterThan(1);
            List<Neighbour> v6 = Neighbours.dump(socket, AF_INET6, ifindex);
            List<Neighbour> both = Neighbours.dump(socket, 0, 0);

            Map<InetAddress, Long> read = new HashMap<>();
            for (Neighbour n : v4) {
                read.put(n.address(), n.mac());
                assertThat(n.ifindex()).isEqualTo(ifindex);
            }
            for (Neighbour n : v6) {
                read.put(n.address(), n.mac());
            }
            assertThat(v4.stream().filter(n -> n.address().getAddress().length == 4).count()).isEqualTo(v4.size());
            assertThat(read).containsAllEntriesOf(expected);
            assertThat(v4.size() + v6.size()).as("nothing read twice").isEqualTo(new HashSet<>(read.keySet()).size());
            assertThat(both.stream().map(Neighbour::address).toList()).containsAll(expected.keySet());
            assertThat(v4.stream().filter(n -> expected.containsKey(n.address())))
                    .allSatisfy(n -> assertThat(n.stateName()).isEqualTo("PERMANENT"));

            Neighbour one = Neighbours.get(socket, ifindex, address("fd00:5a:2::7"));
            assertThat(one).isNotNull();
            assertThat(one.mac()).isEqualTo(0x02_00_5a_00_00_06L);
            assertThat(Neighbours.get(socket, ifindex, address("10.201.9.9"))).isNull();
        }
    }

    @Test
    void aDumpOfManyAddressesIsReadCompletely() throws IOException {
        try (NetnsPair net = Namespaces.pair(); NetlinkSocket socket = Namespaces.socketIn(net.nsA)) {
            Set<InetAddress> expected = new HashSet<>();
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < ENTRIES; i++) {
                String v4 = "10.202." + (i / 200) + "." + (i % 200 + 1);
                String v6 = "fd00:5a:3::" + Integer.toHexString(i + 1);
                batch.add("addr add " + v4 + "/32 dev " + net.ifA);
                batch.add("addr add " + v6 + "/128 dev " + net.ifA + " nodad");
                expected.add(address(v4));
                expected.add(address(v6));
            }
            runBatch(net.nsA, batch);
            int ifindex = Namespaces.ifindexIn(net.nsA, net.ifA);

            long before = socket.datagramsReceived();
            List<InterfaceAddress> all = InterfaceAddresses.dump(socket, 0, ifindex);
            assertThat(socket.datagramsReceived() - before).as("datagrams of one dump").isGreaterThan(1);
            Set<InetAddress> read = new HashSet<>();
            for (InterfaceAddress a : all) {
                assertThat(a.ifindex()).isEqualTo(ifindex);
                assertThat(read.add(a.address())).as("read once: " + a).isTrue();
            }
            assertThat(read).containsAll(expected).contains(address(net.ipA), address(net.ip6A));
            assertThat(all).filteredOn(a -> a.address().equals(address("10.202.0.1")))
                    .singleElement().satisfies(a -> assertThat(a.prefixLength()).isEqualTo(32));
            assertThat(InterfaceAddresses.dump(socket, LibC.AF_INET, ifindex))
                    .allSatisfy(a -> assertThat(a.address().getAddress()).hasSize(4));

            try (NextHops hops = Namespaces.nextHopsIn(net.nsA, net.ifA)) {
                assertThat(hops.interfaceAddresses()).containsAll(expected);
            }
        }
    }

    @Test
    void aRefusedRequestIsOneErrorWithTheKernelsReason() {
        try (NetnsPair net = Namespaces.pair(); NetlinkSocket socket = Namespaces.socketIn(net.nsA)) {
            // ifindex 0: the kernel wants a device for a neighbour entry
            assertThatThrownBy(() -> Neighbours.resolve(socket, 0, address("10.1.2.3")))
                    .isInstanceOf(NativeException.class)
                    .hasMessageStartingWith("EINVAL asking the kernel to resolve 10.1.2.3 on interface 0")
                    .hasMessageContaining("netlink RTM_NEWNEIGH");
            // The socket still works after an error reply.
            assertThat(InterfaceAddresses.dump(socket, 0, 0)).isNotEmpty();
        }
    }

    private static void runBatch(String ns, List<String> lines) throws IOException {
        Path file = Files.createTempFile("sluice-nexthop-", ".batch");
        try {
            Files.write(file, lines);
            Commands.run("ip", "-n", ns, "-batch", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
