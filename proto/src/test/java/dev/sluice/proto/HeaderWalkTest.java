package dev.sluice.proto;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link HeaderWalk#walk} against {@link PacketParser} on every prefix of every sample frame, each
 * parsed from a slice of exactly its length (one byte read past the end fails the test): the same
 * code, L3 offset, L4 offset, protocol, fragment bits and ports.
 */
class HeaderWalkTest {
    private final PacketParser p = new PacketParser();

    @TestFactory
    Stream<DynamicTest> theWalkAgreesWithTheParserOnEveryPrefix() {
        return SampleFrames.all().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            byte[] f = e.getValue();
            for (int len = 0; len <= f.length; len++) {
                ExactSegment s = ExactSegment.of(f, len);
                int code = p.parse(s.frame, 0, len);
                long walk = HeaderWalk.walk(s.frame, 0, len);
                String what = e.getKey() + " cut to " + len;
                if (p.etherType() == EthernetHeader.ETHERTYPE_ARP) {
                    assertThat(HeaderWalk.code(walk)).as(what).isEqualTo(ParseResult.UNSUPPORTED_ETHERTYPE);
                    continue;
                }
                assertThat(ParseResult.name(HeaderWalk.code(walk))).as(what).isEqualTo(ParseResult.name(code));
                if (p.l3Offset() >= 0) {
                    assertThat(HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk))).as(what).isEqualTo(p.l3Offset());
                }
                if (code == ParseResult.OK) {
                    assertThat(HeaderWalk.isIpv6(walk)).as(what).isEqualTo(p.ipVersion() == 6);
                    assertThat(HeaderWalk.l4Protocol(walk)).as(what).isEqualTo(p.l4Protocol());
                    assertThat(HeaderWalk.l4Offset(walk)).as(what)
                            .isEqualTo(p.hasL4Header() ? p.l4Offset() : p.payloadOffset());
                    assertThat(HeaderWalk.isFragment(walk)).as(what).isEqualTo(p.isFragment());
                    assertThat(HeaderWalk.isLaterFragment(walk)).as(what).isEqualTo(p.isLaterFragment());
                    assertThat(HeaderWalk.extensionMask(walk)).as(what).isEqualTo(p.ipv6ExtensionMask());
                    boolean ports = p.hasL4Header()
                            && (p.l4Protocol() == IpProtocol.TCP || p.l4Protocol() == IpProtocol.UDP);
                    assertThat(HeaderWalk.hasPorts(walk)).as(what).isEqualTo(ports);
                } else {
                    assertThat(HeaderWalk.hasPorts(walk)).as(what).isFalse();
                }
                assertThat(s.guardsIntact()).isTrue();
            }
        }));
    }
}
