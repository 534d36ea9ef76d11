package dev.sluice.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/** The rtnetlink message layouts, byte by byte, without a kernel: what is built and what is parsed. */
class NetlinkMessagesTest {
    @Test
    void aRequestIsHeaderFixedPartAndPaddedAttributes() {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, Neighbours.RTM_NEWNEIGH, NetlinkSocket.NLM_F_CREATE, 12);
            request.fixed().set(JAVA_INT, 4, 7);
            request.attribute(1, new byte[] {10, 0, 0, 1, 99}); // 5 bytes: padded to 8
            request.attributeInt(8, 42);
            MemorySegment m = request.segment();
            assertThat(m.byteSize()).isEqualTo(16 + 12 + 12 + 8);
            assertThat(m.get(JAVA_INT, 0)).isEqualTo(48);
            assertThat(m.get(JAVA_SHORT, 4)).isEqualTo((short) 28);
            assertThat(m.get(JAVA_SHORT, 6)).isEqualTo((short) (NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_REQUEST));
            assertThat(m.get(JAVA_INT, 16 + 4)).isEqualTo(7);
            assertThat(m.get(JAVA_SHORT, 28)).isEqualTo((short) 9);
            assertThat(m.get(JAVA_SHORT, 30)).isEqualTo((short) 1);
            assertThat(m.get(JAVA_BYTE, 36)).isEqualTo((byte) 99);
            assertThat(m.get(JAVA_SHORT, 40)).isEqualTo((short) 8);
            assertThat(m.get(JAVA_SHORT, 42)).isEqualTo((short) 8);
            assertThat(m.get(JAVA_INT, 44)).isEqualTo(42);
        }
    }

    @Test
    void aNeighbourMessageIsParsed() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest m = new NetlinkRequest(arena, Neighbours.RTM_NEWNEIGH, 0, 12);
            m.fixed().set(JAVA_BYTE, 0, (byte) 10);
            m.fixed().set(JAVA_INT, 4, 3);
            m.fixed().set(JAVA_SHORT, 8, (short) Neighbour.NUD_STALE);
            m.attribute(1, InetAddress.getByName("fd00::5").getAddress());
            m.attribute(2, new byte[] {0x02, 0x11, 0x22, 0x33, 0x44, (byte) 0xff});
            m.attributeInt(4, 1); // NDA_PROBES: ignored
            Neighbour n = Neighbours.parse(m.segment());
            assertThat(n).isEqualTo(new Neighbour(3, InetAddress.getByName("fd00::5"), 0x02_11_22_33_44_ffL, Neighbour.NUD_STALE, 0));
            assertThat(n.usable()).isTrue();
            assertThat(n.needsConfirmation()).isTrue();
            assertThat(n.stateName()).isEqualTo("STALE");
        }
    }

    @Test
    void aNeighbourWithoutLinkLayerAddressIsNotUsable() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest m = new NetlinkRequest(arena, Neighbours.RTM_NEWNEIGH, 0, 12);
            m.fixed().set(JAVA_SHORT, 8, (short) Neighbour.NUD_FAILED);
            m.attribute(1, InetAddress.getByName("10.0.0.9").getAddress());
            Neighbour n = Neighbours.parse(m.segment());
            assertThat(n.mac()).isEqualTo(-1L);
            assertThat(n.usable()).isFalse();
            assertThat(Neighbour.stateName(Neighbour.NUD_NONE)).isEqualTo("NONE");
            assertThat(Neighbour.stateName(Neighbour.NUD_PROBE | Neighbour.NUD_NOARP)).isEqualTo("PROBE|NOARP");
        }
    }

    @Test
    void aRouteMessageGivesGatewayOutputInterfaceAndSource() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest m = new NetlinkRequest(arena, Routes.RTM_NEWROUTE, 0, 12);
            m.fixed().set(JAVA_BYTE, 0, (byte) LibC.AF_INET);
            m.fixed().set(JAVA_BYTE, 7, (byte) Route.RTN_UNICAST);
            m.attribute(1, InetAddress.getByName("198.51.100.7").getAddress());
            m.attributeInt(4, 5);
            m.attribute(5, InetAddress.getByName("10.0.0.1").getAddress());
            m.attribute(7, InetAddress.getByName("10.0.0.2").getAddress());
            InetAddress destination = InetAddress.getByName("198.51.100.7");
            Route r = Routes.parse(m.segment(), destination);
            assertThat(r.reachable()).isTrue();
            assertThat(r.outputIfindex()).isEqualTo(5);
            assertThat(r.nextHop()).isEqualTo(InetAddress.getByName("10.0.0.1"));
            assertThat(r.preferredSource()).isEqualTo(InetAddress.getByName("10.0.0.2"));
            assertThat(r.problem()).isEmpty();
        }
    }

    @Test
    void anIpv4RouteViaAnIpv6RouterReadsRtaVia() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest m = new NetlinkRequest(arena, Routes.RTM_NEWROUTE, 0, 12);
            m.fixed().set(JAVA_BYTE, 7, (byte) Route.RTN_UNICAST);
            m.attributeInt(4, 2);
            byte[] via = new byte[18];
            via[0] = 10; // family AF_INET6, little-endian u16
            System.arraycopy(InetAddress.getByName("fe80::1").getAddress(), 0, via, 2, 16);
            m.attribute(18, via);
            Route r = Routes.parse(m.segment(), InetAddress.getByName("192.0.2.1"));
            assertThat(r.gateway()).isEqualTo(InetAddress.getByName("fe80::1"));
        }
    }

    @Test
    void routeProblemsSayWhy() throws Exception {
        InetAddress d = InetAddress.getByName("192.0.2.1");
        assertThat(Route.none(d, Errno.ENETUNREACH).problem()).isEqualTo("no route (ENETUNREACH: network is unreachable)");
        assertThat(new Route(d, 0, Route.RTN_LOCAL, 1, null, null).problem()).isEqualTo("it is an address of this host");
        assertThat(new Route(d, 0, Route.RTN_LOCAL, 1, null, null).reachable()).isFalse();
        assertThat(new Route(d, 0, Route.RTN_UNICAST, 1, null, null).nextHop()).isEqualTo(d);
    }

    @Test
    void anAddressMessagePrefersLocalAndFullFlags() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest m = new NetlinkRequest(arena, InterfaceAddresses.RTM_NEWADDR, 0, 8);
            m.fixed().set(JAVA_BYTE, 0, (byte) LibC.AF_INET);
            m.fixed().set(JAVA_BYTE, 1, (byte) 30);
            m.fixed().set(JAVA_BYTE, 3, (byte) InterfaceAddress.RT_SCOPE_UNIVERSE);
            m.fixed().set(JAVA_INT, 4, 4);
            m.attribute(1, InetAddress.getByName("10.9.9.2").getAddress()); // the peer on a point-to-point link
            m.attribute(2, InetAddress.getByName("10.9.9.1").getAddress());
            m.attributeInt(8, InterfaceAddress.IFA_F_TENTATIVE);
            InterfaceAddress a = InterfaceAddresses.parse(m.segment());
            assertThat(a).isEqualTo(new InterfaceAddress(4, InetAddress.getByName("10.9.9.1"), 30, 0, InterfaceAddress.IFA_F_TENTATIVE));
            assertThat(a.usable()).isFalse();
        }
    }

    @Test
    void malformedAttributesStopTheWalkWithoutReadingPastTheMessage() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest m = new NetlinkRequest(arena, Neighbours.RTM_NEWNEIGH, 0, 12);
            m.attribute(1, InetAddress.getByName("10.0.0.9").getAddress());
            MemorySegment s = m.segment();
            s.set(JAVA_SHORT, 28, (short) 200); // attribute longer than the message
            assertThat(Neighbours.parse(s)).isNull();
            assertThat(Neighbours.parse(s.asSlice(0, 20))).as("shorter than its fixed header").isNull();
        }
    }

    @Test
    void theKernelAnswersInTheTestsOwnNamespace() throws Exception {
        // Reading needs no privilege: the loopback address, and the route to it (a local one).
        try (NetlinkSocket socket = NetlinkSocket.open("testing")) {
            int lo = LibC.ifNameToIndex("lo");
            assertThat(InterfaceAddresses.dump(socket, LibC.AF_INET, lo))
                    .anySatisfy(a -> assertThat(a.address()).isEqualTo(InetAddress.getByName("127.0.0.1")));
            Route r = Routes.lookup(socket, InetAddress.getByName("127.0.0.1"));
            assertThat(r.type()).isEqualTo(Route.RTN_LOCAL);
            assertThat(r.reachable()).isFalse();
            assertThat(Netlink.link(socket, lo).mtu()).isPositive();
            assertThat(Neighbours.dump(socket, 0, lo)).isNotNull();
        }
    }
}
