package dev.sluice.drivers.xdp;

import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.VethPair;
import dev.sluice.sys.Bpf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The redirect program's verdicts, run by the kernel (BPF_PROG_TEST_RUN) with a socket in queue
 * 0's slot: ARP and IPv6 router/neighbour discovery go to the kernel, everything else to the
 * socket (see {@link SteeringProgramTest} for the fixture).
 */
class RedirectAllProgramTest {
    private static final int REDIRECT = XdpAction.REDIRECT;
    private static final int PASS = XdpAction.PASS;

    private static VethPair veth;
    private static BoundXskSocket xsk;
    private XdpProgram program;

    @BeforeAll
    static void socket() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
        veth = VethPair.create();
        xsk = BoundXskSocket.bind(veth.ifindexA(), 0);
    }

    @AfterAll
    static void cleanup() {
        try {
            if (xsk != null) {
                xsk.close();
            }
        } finally {
            if (veth != null) {
                veth.close();
            }
        }
    }

    @BeforeEach
    void load() {
        program = XdpPrograms.redirectAll(1);
        program.registerSocket(0, xsk.fd());
    }

    @AfterEach
    void close() {
        if (program != null) {
            program.close();
        }
    }

    private int verdict(TestFrame frame) {
        return Bpf.progTestRun(program.fd(), frame.build()).retval();
    }

    @Test
    void arpGoesToTheKernelTaggedOrNot() {
        assertThat(verdict(TestFrame.arp())).isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp().vlan(0x8100))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp().vlan(0x88a8).vlan(0x8100))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp().vlan(0x88a8).vlan(0x8100).vlan(0x8100))).as("beyond the VLAN policy")
                .isEqualTo(REDIRECT);
    }

    @Test
    void routerAndNeighbourDiscoveryGoToTheKernel() {
        for (int type = 133; type <= 137; type++) {
            assertThat(verdict(TestFrame.ipv6("ff02::1:ff00:1").icmp(type))).as("ICMPv6 type %d", type).isEqualTo(PASS);
        }
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(135).vlan(0x8100))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(135).extension(0))).as("behind Hop-by-Hop").isEqualTo(PASS);
    }

    @Test
    void everythingElseGoesToTheSocket() {
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(128))).as("echo request").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(132))).as("MLD").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(138))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(135))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.0.0.1").icmp(8))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.0.0.1").udp(53))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.0.0.1").tcp(80).vlan(0x8100))).isEqualTo(REDIRECT);
    }

    @Test
    void aTruncatedNeighbourSolicitationIsNotOneAndGoesToTheSocket() {
        byte[] ns = TestFrame.ipv6("fd00::1").icmp(135).build(); // ICMPv6 ends at 14 + 40 + 8 = 62
        assertThat(Bpf.progTestRun(program.fd(), ns).retval()).isEqualTo(PASS);
        for (int length = 14; length < 62; length++) {
            assertThat(Bpf.progTestRun(program.fd(), Arrays.copyOf(ns, length)).retval()).as("%d bytes", length)
                    .isEqualTo(REDIRECT);
        }
    }

    @Test
    void withoutASocketEverythingGoesToTheKernel() {
        program.unregisterSocket(0);
        assertThat(verdict(TestFrame.ipv4("10.0.0.1").udp(53))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp())).isEqualTo(PASS);
    }
}
