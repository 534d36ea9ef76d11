package dev.sluice.drivers.xdp;

import dev.sluice.sys.Bpf;
import dev.sluice.sys.Errno;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.VethPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.sluice.drivers.xdp.TestFrame.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The steering program's verdicts on hand-built frames, run by the kernel (BPF_PROG_TEST_RUN).
 *
 * <p>A redirect needs an AF_XDP socket in the queue's XSKMAP slot (an empty slot yields the
 * fallback, XDP_PASS). The fixture binds one, in copy mode, to queue 0 of a throw-away veth, as the
 * driver would (Linux 6.18 also accepts an unbound socket in the map, older kernels answer
 * EOPNOTSUPP). Test runs use queue 0, so a matching frame returns XDP_REDIRECT; the verdict
 * counters confirm why a frame was passed.
 */
class SteeringProgramTest {
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
        program = XdpPrograms.steering(1, 16);
        program.registerSocket(0, xsk.fd());
    }

    @AfterEach
    void close() {
        if (program != null) {
            program.close();
        }
    }

    private int verdict(TestFrame frame) {
        return run(frame.build());
    }

    private int run(byte[] frame) {
        return Bpf.progTestRun(program.fd(), frame).retval();
    }

    private XdpCounters counters() {
        return program.counters().orElseThrow();
    }

    @Test
    void udpIpv4ToTheRulesAddressAndPortIsRedirected() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000))).isEqualTo(REDIRECT);
        assertThat(counters()).isEqualTo(new XdpCounters(1, 0, 0, 0, 0));
    }

    @Test
    void otherPortOtherAddressOrOtherProtocolPasses() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5001))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").udp(5000))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").tcp(5000))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").protocol(1))).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(0, 0, 4, 0, 0));
    }

    @Test
    void portZeroRuleTakesEveryPortOfItsProtocol() {
        program.addRule(SteeringRule.udp(ip("10.1.0.2"), 0));

        assertThat(verdict(TestFrame.ipv4("10.1.0.2").udp(1))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").udp(65535))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").tcp(80))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.3").udp(80))).isEqualTo(PASS);
    }

    @Test
    void addressOnlyRuleTakesEverythingToTheAddress() {
        program.addRule(SteeringRule.address(ip("10.1.0.3")));

        assertThat(verdict(TestFrame.ipv4("10.1.0.3").udp(53))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.3").tcp(443))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.3").protocol(1))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.4").udp(53))).isEqualTo(PASS);
    }

    @Test
    void mostSpecificRulesDoNotHideWiderOnes() {
        program.addRule(SteeringRule.udp(ip("10.1.0.5"), 5000));
        program.addRule(SteeringRule.address(ip("10.1.0.5")));

        assertThat(verdict(TestFrame.ipv4("10.1.0.5").udp(5000))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.5").udp(7))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.5").tcp(7))).isEqualTo(REDIRECT);
    }

    @Test
    void ipv6MatchAndNonMatch() {
        program.addRule(SteeringRule.udp(ip("fd00::1"), 53));
        program.addRule(SteeringRule.tcp(ip("fd00::2"), 0));

        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(53))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(54))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::3").udp(53))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::2").tcp(8080))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::2").udp(8080))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").protocol(58))).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(2, 0, 4, 0, 0));
    }

    @Test
    void ipv6AddressOnlyRuleTakesPortlessProtocolsToo() {
        program.addRule(SteeringRule.address(ip("fd00::7")));

        assertThat(verdict(TestFrame.ipv6("fd00::7").protocol(58))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::7").tcp(22))).isEqualTo(REDIRECT);
    }

    @Test
    void ipv4RuleDoesNotMatchAnIpv4MappedIpv6Destination() {
        program.addRule(SteeringRule.address(ip("10.1.0.1")));

        assertThat(verdict(TestFrame.ipv6("::ffff:10.1.0.1").udp(53))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(53))).isEqualTo(REDIRECT);
    }

    @Test
    void upToTwoVlanTagsAreSkipped() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));
        program.addRule(SteeringRule.udp(ip("fd00::1"), 5000));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).vlan(0x8100))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).vlan(0x88a8))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(5000).vlan(0x8100))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5001).vlan(0x8100))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).vlan(0x88a8).vlan(0x8100))).as("QinQ").isEqualTo(REDIRECT);
        // A third tag is beyond the VLAN policy: not IP, the frame goes to the kernel.
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).vlan(0x88a8).vlan(0x8100).vlan(0x8100))).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(4, 0, 1, 1, 0));
    }

    @Test
    void ipv6ExtensionHeadersAreWalkedToThePort() {
        program.addRule(SteeringRule.udp(ip("fd00::1"), 5000));

        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(5000).extension(0))).as("Hop-by-Hop").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(5000).extension(0).extension(60).extension(43).extension(44)))
                .as("HBH, DST, Routing, atomic Fragment").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(5001).extension(60))).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(2, 0, 1, 0, 0));
    }

    @Test
    void ipv6ExtensionChainsTheWalkRefusesPass() {
        program.addRule(SteeringRule.address(ip("fd00::1")));
        TestFrame eight = TestFrame.ipv6("fd00::1").udp(5000);
        TestFrame nine = TestFrame.ipv6("fd00::1").udp(5000);
        for (int i = 0; i < 8; i++) {
            eight.extension(60);
            nine.extension(60);
        }
        nine.extension(60);

        assertThat(verdict(eight)).isEqualTo(REDIRECT);
        assertThat(verdict(nine)).as("one more than MAX_IPV6_EXTENSION_HEADERS").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(5000).extension(60).extension(0))).as("Hop-by-Hop not first")
                .isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(1, 0, 0, 0, 2));
    }

    @Test
    void arpPasses() {
        program.addRule(SteeringRule.address(ip("10.0.0.1")));

        assertThat(verdict(TestFrame.arp())).isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp().vlan(0x8100))).isEqualTo(PASS);
        assertThat(counters().notIp()).isEqualTo(2);
    }

    /**
     * Frames of 0..13 bytes cannot be tested: the kernel refuses to run an XDP program on less
     * than an Ethernet header (EINVAL, with or without metadata in front), as it never hands one
     * to XDP. For those lengths the verifier's acceptance of the program is the proof that a short
     * frame cannot make it read out of bounds; the frames from 14 bytes on run here.
     */
    @Test
    void framesShorterThanAnEthernetHeaderNeverReachAnXdpProgram() {
        for (int length = 0; length < 14; length++) {
            byte[] cut = new byte[length];
            assertThatThrownBy(() -> run(cut)).as("%d-byte frame", length)
                    .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
    }

    @Test
    void everyTruncationOfAFrameWhoseHeadersNeedMoreThan60BytesPasses() {
        program.addRule(SteeringRule.udp(ip("fd00::1"), 5000));
        byte[] full = TestFrame.ipv6("fd00::1").udp(5000).vlan(0x8100).build(); // ports end at 18 + 40 + 4 = 62
        assertThat(run(full)).isEqualTo(REDIRECT);

        for (int length = 14; length <= 60; length++) {
            assertThat(run(Arrays.copyOf(full, length))).as("%d-byte frame", length).isEqualTo(PASS);
        }
        assertThat(counters()).isEqualTo(new XdpCounters(1, 0, 0, 0, 60 - 14 + 1));
    }

    @Test
    void ipv4TruncationRedirectsExactlyFromTheLengthThatHoldsTheDatagram() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));
        byte[] full = TestFrame.ipv4("10.1.0.1").udp(5000).build(); // Total Length 28 ends at 14 + 28 = 42

        for (int length = 14; length <= 60; length++) {
            int expected = length >= 42 ? REDIRECT : PASS;
            assertThat(run(Arrays.copyOf(full, length))).as("%d-byte frame", length).isEqualTo(expected);
        }
        assertThat(counters()).isEqualTo(new XdpCounters(60 - 42 + 1, 0, 0, 0, 42 - 14));
    }

    @Test
    void longIpv4HeaderTruncationsPass() {
        program.addRule(SteeringRule.address(ip("10.1.0.2")));
        program.addRule(SteeringRule.udp(ip("10.1.0.2"), 5000));
        byte[] options = new byte[40];
        Arrays.fill(options, (byte) 1); // NOPs: IHL 15, ports end at 14 + 60 + 4 = 78
        byte[] full = TestFrame.ipv4("10.1.0.2").udp(5000).ipv4Options(options).build();
        assertThat(run(full)).isEqualTo(REDIRECT);

        for (int length = 14; length <= 60; length++) {
            assertThat(run(Arrays.copyOf(full, length))).as("%d-byte frame", length).isEqualTo(PASS);
        }
    }

    @Test
    void ipv4OptionsMoveThePort() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).ipv4Options((byte) 1, (byte) 1, (byte) 1, (byte) 0)))
                .isEqualTo(REDIRECT);
        // The option bytes hold 5000 where a fixed-offset parser would look for the port.
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5001).ipv4Options((byte) 1, (byte) 1, (byte) 0x13, (byte) 0x88)))
                .isEqualTo(PASS);
    }

    @Test
    void invalidIpv4HeadersPass() {
        program.addRule(SteeringRule.address(ip("10.1.0.1")));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(1).ihlField(4))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(1).versionField(6))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(1).versionField(4))).isEqualTo(PASS);
        assertThat(counters().malformed()).isEqualTo(3);
    }

    @Test
    void nonFirstFragmentHasNoPort() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));
        TestFrame later = TestFrame.ipv4("10.1.0.1").udp(5000).fragment(185, false);
        TestFrame first = TestFrame.ipv4("10.1.0.1").udp(5000).fragment(0, true);

        assertThat(verdict(later)).isEqualTo(PASS);
        assertThat(verdict(first)).isEqualTo(REDIRECT);

        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 0));
        assertThat(verdict(later)).as("against all ports of UDP").isEqualTo(REDIRECT);
    }

    @Test
    void nonFirstFragmentMatchesAnAddressOnlyRule() {
        program.addRule(SteeringRule.address(ip("10.1.0.1")));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).fragment(185, false))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000).fragment(185, true))).isEqualTo(REDIRECT);
    }

    @Test
    void matchWithoutASocketPassesAndCountsIt() {
        program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));
        program.unregisterSocket(0);
        program.unregisterSocket(0); // emptying an empty slot is fine

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000))).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(0, 1, 0, 0, 0));

        program.registerSocket(0, xsk.fd());
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000))).isEqualTo(REDIRECT);
    }

    @Test
    void removedRuleStopsMatching() {
        SteeringRule rule = SteeringRule.udp(ip("10.1.0.1"), 5000);
        assertThat(program.addRule(rule)).isTrue();
        assertThat(program.addRule(rule)).isFalse();
        assertThat(program.rules()).containsExactly(rule);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000))).isEqualTo(REDIRECT);

        assertThat(program.removeRule(rule)).isTrue();
        assertThat(program.removeRule(rule)).isFalse();
        assertThat(program.rules()).isEmpty();
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000))).isEqualTo(PASS);
    }

    // ---------------------------------------------------------------- VIP rules

    @Test
    void ipv4VipWithAPortTakesItsPortItsLaterFragmentsAndItsIcmp() {
        program.addRule(SteeringRule.vip(ip("10.1.0.1"), SteeringRule.UDP, 53));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(53))).as("its port").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(53).ipv4Options((byte) 1, (byte) 1, (byte) 1, (byte) 0)))
                .as("its port behind IPv4 options").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(53).fragment(0, true))).as("first fragment").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(53).fragment(185, true))).as("middle fragment").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(53).fragment(370, false))).as("last fragment").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").icmp(8))).as("echo request").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").icmp(3, 4))).as("fragmentation needed").isEqualTo(REDIRECT);
        assertThat(counters()).isEqualTo(new XdpCounters(7, 0, 0, 0, 0));

        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(54))).as("another port").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(54).fragment(0, true))).as("first fragment, another port")
                .isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").tcp(53))).as("another protocol").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").tcp(53).fragment(185, false))).as("another protocol's fragment")
                .isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").icmp(3, 3))).as("port unreachable").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").icmp(0))).as("echo reply").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").icmp(11))).as("time exceeded").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").icmp(8).fragment(185, false))).as("ICMP later fragment")
                .isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").protocol(47))).as("GRE").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.9").icmp(8))).as("echo to another address").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.9").udp(53).fragment(185, false))).as("fragment to another address")
                .isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp())).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(7, 0, 11, 1, 0));
    }

    @Test
    void ipv6VipWalksExtensionHeadersAndTakesFragmentsEchoAndPacketTooBig() {
        program.addRule(SteeringRule.vip(ip("fd00::1"), SteeringRule.TCP, 443));

        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(443))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(443).extension(0).extension(43).extension(60)))
                .as("hop-by-hop, routing, destination options").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(443).fragmentHeader(0, true))).as("first fragment")
                .isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(443).fragmentHeader(100, false))).as("later fragment")
                .isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(443).extension(0).fragmentHeader(100, true)))
                .as("later fragment behind hop-by-hop").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(128))).as("echo request").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(2))).as("packet too big").isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(128).extension(0))).as("echo request behind hop-by-hop")
                .isEqualTo(REDIRECT);
        assertThat(counters()).isEqualTo(new XdpCounters(8, 0, 0, 0, 0));

        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(80))).as("another port").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(80).extension(60))).as("another port behind options")
                .isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").udp(443).fragmentHeader(100, false))).as("another protocol's fragment")
                .isEqualTo(PASS);
        for (int type = 133; type <= 137; type++) {
            assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(type))).as("neighbour discovery type %d", type).isEqualTo(PASS);
        }
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(129))).as("echo reply").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(1))).as("destination unreachable").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").icmp(128).fragmentHeader(100, false))).as("ICMPv6 later fragment")
                .isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::2").icmp(128))).as("echo to another address").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.0.0.1").icmp(8))).isEqualTo(PASS);
        assertThat(counters()).isEqualTo(new XdpCounters(8, 0, 13, 0, 0));
    }

    @Test
    void vipOfAllPortsTakesEveryPortOfItsProtocol() {
        program.addRule(SteeringRule.vip(ip("10.1.0.2"), SteeringRule.TCP, 0));

        assertThat(verdict(TestFrame.ipv4("10.1.0.2").tcp(1))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").tcp(65535))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").tcp(80).fragment(185, false))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").icmp(8))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").udp(80))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.2").icmp(13))).as("timestamp").isEqualTo(PASS);
    }

    @Test
    void exactRulesTakeNeitherFragmentsNorIcmpOfAVip() {
        program.addRule(SteeringRule.udp(ip("10.1.0.3"), 53));

        assertThat(verdict(TestFrame.ipv4("10.1.0.3").udp(53))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.1.0.3").udp(53).fragment(185, false))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.3").icmp(8))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.3").icmp(3, 4))).isEqualTo(PASS);
    }

    @Test
    void rulesSharingEntriesKeepEachOthersFlagsWhenOneGoes() {
        SteeringRule dns = SteeringRule.vip(ip("10.1.0.4"), SteeringRule.UDP, 53);
        SteeringRule web = SteeringRule.vip(ip("10.1.0.4"), SteeringRule.TCP, 80);
        SteeringRule allUdp = SteeringRule.udp(ip("10.1.0.4"), 0);
        program.addRule(dns);
        program.addRule(web);
        program.addRule(allUdp);
        TestFrame udpFragment = TestFrame.ipv4("10.1.0.4").udp(53).fragment(185, false);
        TestFrame tcpFragment = TestFrame.ipv4("10.1.0.4").tcp(80).fragment(185, false);
        TestFrame echo = TestFrame.ipv4("10.1.0.4").icmp(8);

        assertThat(program.removeRule(dns)).isTrue();
        assertThat(verdict(TestFrame.ipv4("10.1.0.4").udp(53))).as("the exact rule takes every UDP port").isEqualTo(REDIRECT);
        assertThat(verdict(udpFragment)).as("and UDP fragments").isEqualTo(REDIRECT);
        assertThat(verdict(tcpFragment)).isEqualTo(REDIRECT);
        assertThat(verdict(echo)).as("the other VIP still takes echo").isEqualTo(REDIRECT);

        assertThat(program.removeRule(allUdp)).isTrue();
        assertThat(verdict(TestFrame.ipv4("10.1.0.4").udp(53))).isEqualTo(PASS);
        assertThat(verdict(udpFragment)).isEqualTo(PASS);
        assertThat(verdict(echo)).isEqualTo(REDIRECT);

        assertThat(program.removeRule(web)).isTrue();
        assertThat(verdict(tcpFragment)).isEqualTo(PASS);
        assertThat(verdict(echo)).as("no VIP left on the address").isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv4("10.1.0.4").tcp(80))).isEqualTo(PASS);
        assertThat(program.rules()).isEmpty();
    }

    @Test
    void aVipAndAnAddressOnlyRuleOnOneAddress() {
        program.addRule(SteeringRule.vip(ip("fd00::5"), SteeringRule.UDP, 53));
        program.addRule(SteeringRule.address(ip("fd00::5")));

        assertThat(verdict(TestFrame.ipv6("fd00::5").icmp(135))).as("the address-only rule takes everything").isEqualTo(REDIRECT);
        assertThat(program.removeRule(SteeringRule.address(ip("fd00::5")))).isTrue();
        assertThat(verdict(TestFrame.ipv6("fd00::5").icmp(135))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::5").icmp(128))).isEqualTo(REDIRECT);
    }

    @Test
    void aTruncatedIcmpHeaderToAVipPasses() {
        program.addRule(SteeringRule.vip(ip("10.1.0.1"), SteeringRule.UDP, 53));
        byte[] echo = TestFrame.ipv4("10.1.0.1").icmp(8).build();
        echo[16] = 0;
        echo[17] = 20 + 4; // Total Length: 4 bytes of ICMP

        assertThat(run(echo)).isEqualTo(PASS);
        assertThat(counters().malformed()).isEqualTo(1);
    }

    @Test
    void theRuleMapHoldsExactlyMaxRulesOfTheWidestKind() {
        program.close();
        program = XdpPrograms.steering(1, 3);
        for (int i = 1; i <= 3; i++) {
            program.addRule(SteeringRule.vip(ip("10.2.0." + i), SteeringRule.TCP, 80)); // three map entries each
        }
        assertThatThrownBy(() -> program.addRule(SteeringRule.vip(ip("10.2.0.4"), SteeringRule.TCP, 80)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already holds its maximum of 3 rules");
        assertThat(program.addRule(SteeringRule.vip(ip("10.2.0.3"), SteeringRule.TCP, 80))).as("already there").isFalse();
        program.removeRule(SteeringRule.vip(ip("10.2.0.3"), SteeringRule.TCP, 80));
        program.addRule(SteeringRule.vip(ip("10.2.0.4"), SteeringRule.TCP, 80));
        program.registerSocket(0, xsk.fd());
        assertThat(verdict(TestFrame.ipv4("10.2.0.4").tcp(80))).isEqualTo(REDIRECT);
        assertThat(verdict(TestFrame.ipv4("10.2.0.3").tcp(80))).isEqualTo(PASS);
    }

    @Test
    void aRuleCapacityOutsideTheLimitsIsRefused() {
        assertThatThrownBy(() -> XdpPrograms.steering(1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRules must be at least 1");
        assertThatThrownBy(() -> XdpPrograms.steering(1, XdpPrograms.MAX_STEERING_RULES + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above the limit");
    }

    @Test
    void noRuleMeansEverythingPasses() {
        assertThat(verdict(TestFrame.ipv4("10.1.0.1").udp(5000))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.ipv6("fd00::1").tcp(80))).isEqualTo(PASS);
        assertThat(verdict(TestFrame.arp())).isEqualTo(PASS);
    }
}
