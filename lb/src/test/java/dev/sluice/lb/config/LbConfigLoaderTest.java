package dev.sluice.lb.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import org.junit.jupiter.params.provider.Arguments;

/**
 * The loader reads the documented example into the model, and every mistake a user can make ends in
 * one line naming the file, line, column and key path. Error cases are edits of one small valid file
 * ({@link #BASE}), so each expected position can be checked against it by eye.
 */
class LbConfigLoaderTest {
    private static final Path NAME = Path.of("lb.yaml");

    /** Lines 1..8; values of "port" at column 11, backend addresses at column 19. */
    private static final String BASE = """
            interface: eth0
            vips:
              - name: web
                address: 10.0.0.100
                port: 80
                backends:
                  - {address: 10.0.1.11}
                  - {address: 10.0.1.12}
            """;

    private static LbConfig parse(String yaml) {
        return LbConfigLoader.parse(yaml, NAME, name -> name.equals("eth0"));
    }

    /** BASE with {@code from} (which must occur) replaced by {@code to}. */
    private static String edit(String from, String to) {
        assertThat(BASE).contains(from);
        return BASE.replace(from, to);
    }

    /** BASE with {@code lines} added at the end of the first VIP. */
    private static String vipWith(String lines) {
        return BASE + lines.indent(4);
    }

    /** BASE with top-level {@code lines} appended. */
    private static String with(String lines) {
        return BASE + lines;
    }

    static String example() throws IOException {
        try (InputStream in = LbConfigLoaderTest.class.getResourceAsStream("/lb-example.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsTheDocumentedExample() throws Exception {
        LbConfig c = LbConfigLoader.parse(example(), Path.of("lb-example.yaml"), name -> name.equals("eth0"));

        assertThat(c.source()).isEqualTo(Path.of("lb-example.yaml"));
        assertThat(c.interfaceName()).isEqualTo("eth0");
        assertThat(c.workers()).isEqualTo(2);
        assertThat(c.vips()).extracting(VipConfig::name).containsExactly("web", "dns", "all-ports");

        VipConfig web = c.vips().get(0);
        assertThat(web.address()).isEqualTo(InetAddress.getByName("10.0.0.100"));
        assertThat(web.protocol()).isEqualTo(Protocol.TCP);
        assertThat(web.port()).isEqualTo(80);
        assertThat(web.forwarding()).isEqualTo(Forwarding.DSR);
        assertThat(web.hash()).isEqualTo(HashFields.FIVE_TUPLE);
        assertThat(web.tableSize()).isEqualTo(65537);
        assertThat(web.backends()).containsExactly(
                new BackendConfig(InetAddress.getByName("10.0.1.11"), 100, BackendConfig.MAC_FROM_KERNEL),
                new BackendConfig(InetAddress.getByName("10.0.1.12"), 100, 0x02000a00010cL),
                new BackendConfig(InetAddress.getByName("10.0.1.13"), 50, BackendConfig.MAC_FROM_KERNEL));
        assertThat(web.health()).isEqualTo(new HealthConfig(HealthConfig.Type.HTTP, 80, "/healthz", 200,
                Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));

        VipConfig dns = c.vips().get(1);
        assertThat(dns.address()).isEqualTo(InetAddress.getByName("fd00::53"));
        assertThat(dns.protocol()).isEqualTo(Protocol.UDP);
        assertThat(dns.port()).isEqualTo(53);
        assertThat(dns.forwarding()).isEqualTo(Forwarding.GUE);
        assertThat(dns.guePort()).isEqualTo(6080);
        assertThat(dns.hash()).isEqualTo(HashFields.SOURCE);
        assertThat(dns.backends()).extracting(BackendConfig::address).containsExactly(
                InetAddress.getByName("fd00:1::11"), InetAddress.getByName("10.0.1.21"));
        assertThat(dns.backends()).extracting(BackendConfig::weight).containsExactly(100, 100);
        assertThat(dns.health()).isNull();

        VipConfig all = c.vips().get(2);
        assertThat(all.protocol()).isEqualTo(Protocol.TCP);
        assertThat(all.port()).isZero();
        assertThat(all.forwarding()).isEqualTo(Forwarding.IPIP);
        assertThat(all.hash()).isEqualTo(HashFields.SOURCE_PORT);
        assertThat(all.tableSize()).isEqualTo(4093);
        assertThat(all.backends()).extracting(BackendConfig::weight).containsExactly(100, 0);

        assertThat(c.connections()).isEqualTo(new ConnectionsConfig(1 << 20, Duration.ofSeconds(300),
                Duration.ofSeconds(30)));
        assertThat(c.encapsulation()).isEqualTo(new EncapsulationConfig(
                (java.net.Inet4Address) InetAddress.getByName("10.255.0.0"), 16,
                (java.net.Inet6Address) InetAddress.getByName("fd00:ff::"), 64, 0x0200000000feL));
    }

    @Test
    void theExampleIsTheOneShownInTheReadme() throws Exception {
        String text = Files.readString(Path.of("..", "README.md")); // tests run in the module's directory
        if (text.contains("sluice lb")) { // the README's lb section lands with the command
            assertThat(text).contains(example());
        }
    }

    @Test
    void aMinimalFileTakesEveryDefault() {
        LbConfig c = parse(BASE);
        assertThat(c.workers()).isZero();
        VipConfig v = c.vips().getFirst();
        assertThat(v.protocol()).isEqualTo(Protocol.TCP);
        assertThat(v.forwarding()).isEqualTo(Forwarding.DSR);
        assertThat(v.hash()).isEqualTo(HashFields.FIVE_TUPLE);
        assertThat(v.tableSize()).isEqualTo(VipConfig.DEFAULT_TABLE_SIZE);
        assertThat(v.guePort()).isEqualTo(VipConfig.DEFAULT_GUE_PORT);
        assertThat(v.health()).isNull();
        assertThat(v.backends()).allSatisfy(b -> {
            assertThat(b.weight()).isEqualTo(BackendConfig.DEFAULT_WEIGHT);
            assertThat(b.hasMac()).isFalse();
        });
        assertThat(c.connections()).isEqualTo(ConnectionsConfig.defaults());
        assertThat(c.encapsulation()).isEqualTo(EncapsulationConfig.defaults());
    }

    @Test
    void healthDefaults() {
        HealthConfig tcp = parse(vipWith("health: {}")).vips().getFirst().health();
        assertThat(tcp).isEqualTo(new HealthConfig(HealthConfig.Type.TCP, 80, null, 0, Duration.ofSeconds(2),
                Duration.ofSeconds(1), 2, 3));
        HealthConfig http = parse(vipWith("health: {type: http, port: 8080, interval: 500ms}")).vips().getFirst().health();
        assertThat(http).isEqualTo(new HealthConfig(HealthConfig.Type.HTTP, 8080, "/", 200, Duration.ofMillis(500),
                Duration.ofMillis(500), 2, 3));
    }

    @Test
    void acceptsWhatIsValidButUnusual() {
        // Quoted numbers are numbers; all weights 0 drains the VIP; ipip mixes families; one address may
        // serve TCP and UDP, and one port plus "all ports"; aliases reuse a backend list.
        LbConfig c = parse("""
                interface: "eth0"
                vips:
                  - {name: a, address: 10.0.0.100, protocol: tcp, port: "80", backends: &b [{address: 10.0.1.11, weight: 0}]}
                  - {name: b, address: 10.0.0.100, protocol: udp, port: 80, backends: *b}
                  - {name: c, address: 10.0.0.100, protocol: tcp, port: 0, backends: *b}
                  - {name: d, address: 10.0.0.200, port: 1, forwarding: ipip, backends: [{address: "fd00::1"}]}
                  - {name: e, address: "2001:db8::1", port: 1, backends: [{address: "2001:db8::2", mac: 02:AB:cd:00:00:01}]}
                """);
        assertThat(c.vips()).extracting(VipConfig::port).containsExactly(80, 80, 0, 1, 1);
        assertThat(c.vips().get(1).backends().getFirst().weight()).isZero();
        assertThat(c.vips().get(4).backends().getFirst().mac()).isEqualTo(0x02abcd000001L);
    }

    @Test
    void loadReadsAFileAndNamesItInErrors(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, BASE);
        assertThat(LbConfigLoader.load(file, n -> true).source()).isEqualTo(file);
        Files.writeString(file, edit("port: 80", "port: x"));
        assertThatThrownBy(() -> LbConfigLoader.load(file, n -> true))
                .hasMessage(file + ":5:11: vips[0].port: expected a whole number 0..65535, 0 = all ports, found 'x'");
        Files.write(file, new byte[] {'i', ':', ' ', (byte) 0xff, '\n'});
        assertThatThrownBy(() -> LbConfigLoader.load(file, n -> true)).hasMessage(file + ": not UTF-8 text");
        Path missing = dir.resolve("none.yaml");
        assertThatThrownBy(() -> LbConfigLoader.load(missing, n -> true)).hasMessage(missing + ": no such file");
    }

    @Test
    void theDefaultInterfaceCheckAsksTheKernel() {
        assertThat(LbConfigLoader.kernelKnows("lo")).isTrue();
        assertThat(LbConfigLoader.kernelKnows("nosuch" + ProcessHandle.current().pid())).isFalse();
        String unknown = "nx" + ProcessHandle.current().pid();
        assertThatThrownBy(() -> LbConfigLoader.parse(edit("eth0", unknown), NAME))
                .hasMessage("lb.yaml:1:12: interface: no interface '" + unknown + "' on this host ('ip link' lists them)");
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                // YAML itself
                error("syntax", "interface: eth0\nvips: [\n",
                        "lb.yaml:3:1: YAML syntax error: expected the node content, but found '<stream end>' (while parsing a flow node)"),
                error("bad indentation", edit("    port: 80", "   port: 80"),
                        "lb.yaml:5:4: YAML syntax error: expected <block end>, but found '<block mapping start>' (while parsing a block collection)"),
                error("two documents", BASE + "---\n" + BASE,
                        "lb.yaml:9:1: YAML syntax error: but found another document (expected a single document in the stream)"),
                error("undefined alias", edit("- {address: 10.0.1.12}", "- *nothing"),
                        "lb.yaml:8:9: YAML syntax error: found undefined alias nothing"),
                error("control character", edit("name: web", "name: w\u0001b"),
                        "lb.yaml:3:12: YAML syntax error: special characters are not allowed (U+0001; YAML allows tab and line breaks, no other control characters)"),
                error("bad escape", edit("name: web", "name: \"w\\qb\""),
                        "lb.yaml:3:14: YAML syntax error: found unknown escape character q(113) (while scanning a double-quoted scalar)"),
                error("empty file", "# nothing\n", "lb.yaml:1:1: the file is empty (it needs at least interface and vips)"),
                error("not a mapping", "- eth0\n",
                        "lb.yaml:1:1: expected a mapping with the keys interface, workers, vips, connections, encapsulation, found a list"),
                error("a list as a key", with("[a, b]: 1\n"),
                        "lb.yaml:9:1: expected a key (one of interface, workers, vips, connections, encapsulation), found a list"),
                // unknown, duplicate and missing keys
                error("unknown top-level key", with("iterface: eth1\n"),
                        "lb.yaml:9:1: iterface: unknown key (did you mean 'interface'? allowed here: interface, workers, vips, connections, encapsulation)"),
                error("unknown VIP key", edit("    address:", "    adress:"),
                        "lb.yaml:4:5: vips[0].adress: unknown key (did you mean 'address'? allowed here: name, address, protocol, port, forwarding, hash, table-size, gue-port, backends, health)"),
                error("unknown backend key", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, wieght: 1}"),
                        "lb.yaml:8:30: vips[0].backends[1].wieght: unknown key (did you mean 'weight'? allowed here: address, weight, mac)"),
                error("key twice", with("interface: eth1\n"),
                        "lb.yaml:9:1: interface: key given twice (first on line 1)"),
                error("missing interface", edit("interface: eth0\n", ""),
                        "lb.yaml:1:1: missing key 'interface' (required)"),
                error("missing vips", "interface: eth0\n", "lb.yaml:1:1: missing key 'vips' (required)"),
                error("missing VIP name", edit("  - name: web\n    address", "  - address"),
                        "lb.yaml:3:5: vips[0]: missing key 'name' (required)"),
                error("missing VIP address", edit("    address: 10.0.0.100\n", ""),
                        "lb.yaml:3:5: vips[0]: missing key 'address' (required)"),
                error("missing VIP port", edit("    port: 80\n", ""),
                        "lb.yaml:3:5: vips[0]: missing key 'port' (required)"),
                error("missing backends", "interface: eth0\nvips:\n  - {name: web, address: 10.0.0.100, port: 80}\n",
                        "lb.yaml:3:5: vips[0]: missing key 'backends' (required)"),
                error("missing backend address", edit("{address: 10.0.1.12}", "{weight: 1}"),
                        "lb.yaml:8:9: vips[0].backends[1]: missing key 'address' (required)"),
                // types
                error("vips not a list", "interface: eth0\nvips: web\n",
                        "lb.yaml:2:7: vips: expected a list of VIPs, found 'web'"),
                error("no VIPs", "interface: eth0\nvips: []\n",
                        "lb.yaml:2:7: vips: is empty (a list of VIPs with at least one entry is needed)"),
                error("VIP not a mapping", "interface: eth0\nvips:\n  - web\n",
                        "lb.yaml:3:5: vips[0]: expected a VIP (a mapping with name, address, port and backends), found 'web'"),
                error("VIP without backends", edit("""
                                backends:
                                  - {address: 10.0.1.11}
                                  - {address: 10.0.1.12}
                            """, "    backends: []\n"),
                        "lb.yaml:6:15: vips[0].backends: is empty (a list of backends with at least one entry is needed)"),
                error("backends with no value", edit("""
                                backends:
                                  - {address: 10.0.1.11}
                                  - {address: 10.0.1.12}
                            """, "    backends:\n"),
                        "lb.yaml:6:14: vips[0].backends: expected a list of backends, found no value"),
                error("backend not a mapping", edit("- {address: 10.0.1.12}", "- 10.0.1.12"),
                        "lb.yaml:8:9: vips[0].backends[1]: expected a backend (a mapping with address and optional weight and mac), found '10.0.1.12'"),
                error("port a list", edit("port: 80", "port: [80]"),
                        "lb.yaml:5:11: vips[0].port: expected a whole number 0..65535, 0 = all ports, found a list"),
                error("port a word", edit("port: 80", "port: http"),
                        "lb.yaml:5:11: vips[0].port: expected a whole number 0..65535, 0 = all ports, found 'http'"),
                error("port without value", edit("port: 80", "port:"),
                        "lb.yaml:5:10: vips[0].port: expected a whole number 0..65535, 0 = all ports, found no value"),
                error("port a fraction", edit("port: 80", "port: 80.5"),
                        "lb.yaml:5:11: vips[0].port: expected a whole number 0..65535, 0 = all ports, found '80.5'"),
                error("name a mapping", edit("name: web", "name: {a: b}"),
                        "lb.yaml:3:11: vips[0].name: expected a VIP name, found a mapping"),
                // ranges
                error("port too large", edit("port: 80", "port: 70000"),
                        "lb.yaml:5:11: vips[0].port: 70000 is out of range 0..65535 (0 = all ports)"),
                error("port negative", edit("port: 80", "port: -1"),
                        "lb.yaml:5:11: vips[0].port: -1 is out of range 0..65535 (0 = all ports)"),
                error("weight too large", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, weight: 70000}"),
                        "lb.yaml:8:38: vips[0].backends[1].weight: 70000 is out of range 0..65535"),
                error("weight negative", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, weight: -5}"),
                        "lb.yaml:8:38: vips[0].backends[1].weight: -5 is out of range 0..65535"),
                error("weight huge", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, weight: 99999999999999999999}"),
                        "lb.yaml:8:38: vips[0].backends[1].weight: expected a whole number 0..65535, found '99999999999999999999'"),
                error("workers negative", with("workers: -1\n"),
                        "lb.yaml:9:10: workers: -1 is out of range 0..1024 (0 = one per RX queue)"),
                error("workers too many", with("workers: 5000\n"),
                        "lb.yaml:9:10: workers: 5000 is out of range 0..1024 (0 = one per RX queue)"),
                error("table size not prime", vipWith("table-size: 65536"),
                        "lb.yaml:9:17: vips[0].table-size: 65536 is not a prime (Maglev tables need a prime size, e.g. 251, 4093, 16381, 65537, 655373)"),
                error("table size too large", vipWith("table-size: 20000003"),
                        "lb.yaml:9:17: vips[0].table-size: 20000003 is out of range 2..16777213 (a prime)"),
                error("table size not above the backends", vipWith("table-size: 2"),
                        "lb.yaml:9:17: vips[0].table-size: table-size 2 is not larger than the 2 backends (a prime of 100 x backends or more keeps each backend's share within 1%)"),
                error("gue port without gue", vipWith("gue-port: 6081"),
                        "lb.yaml:9:15: vips[0].gue-port: applies only to forwarding: gue"),
                error("gue port zero", vipWith("forwarding: gue\ngue-port: 0"),
                        "lb.yaml:10:15: vips[0].gue-port: 0 is out of range 1..65535"),
                error("capacity too small", with("connections: {capacity: 100}\n"),
                        "lb.yaml:9:25: connections.capacity: 100 is out of range 1024..67108864 (flows per worker)"),
                error("capacity with a suffix", with("connections: {capacity: 1M}\n"),
                        "lb.yaml:9:25: connections.capacity: expected a whole number 1024..67108864, flows per worker, found '1M'"),
                // enumerations
                error("protocol", vipWith("protocol: sctp"),
                        "lb.yaml:9:15: vips[0].protocol: 'sctp' is not one of tcp | udp"),
                error("protocol in capitals", vipWith("protocol: TCP"),
                        "lb.yaml:9:15: vips[0].protocol: 'TCP' is not one of tcp | udp"),
                error("forwarding", vipWith("forwarding: nat"),
                        "lb.yaml:9:17: vips[0].forwarding: 'nat' is not one of dsr | ipip | gue"),
                error("hash", vipWith("hash: 4-tuple"),
                        "lb.yaml:9:11: vips[0].hash: '4-tuple' is not one of 5-tuple | source | source-port"),
                // addresses (literals only: a name is never looked up)
                error("address out of range", edit("10.0.0.100", "10.0.0.256"),
                        "lb.yaml:4:14: vips[0].address: '10.0.0.256' is not an IPv4 address (four decimal numbers 0..255 without leading zeros, e.g. 10.0.0.1)"),
                error("address with three parts", edit("10.0.0.100", "10.0.100"),
                        "lb.yaml:4:14: vips[0].address: '10.0.100' is not an IPv4 address (four decimal numbers 0..255 without leading zeros, e.g. 10.0.0.1)"),
                error("address with a leading zero", edit("10.0.0.100", "10.0.0.010"),
                        "lb.yaml:4:14: vips[0].address: '10.0.0.010' is not an IPv4 address (four decimal numbers 0..255 without leading zeros, e.g. 10.0.0.1)"),
                error("host name", edit("10.0.0.100", "web.example.com"),
                        "lb.yaml:4:14: vips[0].address: 'web.example.com' is not an IP address (an IPv4 or IPv6 literal such as 10.0.0.1 or fd00::1; names are not looked up)"),
                error("number", edit("10.0.0.100", "167772260"),
                        "lb.yaml:4:14: vips[0].address: '167772260' is not an IP address (an IPv4 or IPv6 literal such as 10.0.0.1 or fd00::1; names are not looked up)"),
                error("bad IPv6", edit("10.0.0.100", "\"fd00::1::2\""),
                        "lb.yaml:4:14: vips[0].address: 'fd00::1::2' is not an IPv6 address (e.g. fd00::1 or 2001:db8::10)"),
                error("IPv6 zone", edit("10.0.0.100", "\"fe80::1%eth0\""),
                        "lb.yaml:4:14: vips[0].address: 'fe80::1%eth0' has a zone id; write the address without %zone"),
                error("IPv4-mapped IPv6", edit("10.0.0.100", "\"::ffff:10.0.0.100\""),
                        "lb.yaml:4:14: vips[0].address: '::ffff:10.0.0.100' is an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.100"),
                error("unspecified", edit("10.0.0.100", "0.0.0.0"),
                        "lb.yaml:4:14: vips[0].address: '0.0.0.0' is the unspecified address (a unicast address is needed)"),
                error("IPv6 unspecified", edit("10.0.0.100", "\"::\""),
                        "lb.yaml:4:14: vips[0].address: '::' is the unspecified address (a unicast address is needed)"),
                error("multicast", edit("10.0.0.100", "224.0.0.1"),
                        "lb.yaml:4:14: vips[0].address: '224.0.0.1' is a multicast address (a unicast address is needed)"),
                error("broadcast", edit("10.0.0.100", "255.255.255.255"),
                        "lb.yaml:4:14: vips[0].address: '255.255.255.255' is the broadcast address (a unicast address is needed)"),
                error("loopback backend", edit("{address: 10.0.1.12}", "{address: 127.0.0.1}"),
                        "lb.yaml:8:19: vips[0].backends[1].address: '127.0.0.1' is a loopback address (a unicast address is needed)"),
                error("IPv6 loopback backend", edit("{address: 10.0.1.12}", "{address: \"::1\"}"),
                        "lb.yaml:8:19: vips[0].backends[1].address: '::1' is a loopback address (a unicast address is needed)"),
                error("backend is the VIP", edit("{address: 10.0.1.12}", "{address: 10.0.0.100}"),
                        "lb.yaml:8:19: vips[0].backends[1].address: is the address of VIP 'web' (a backend must be another host)"),
                error("backend is another VIP", with("  - {name: dns, address: 10.0.1.11, protocol: udp, port: 53, backends: [{address: 10.0.2.1}]}\n"),
                        "lb.yaml:7:19: vips[0].backends[0].address: is the address of VIP 'dns' (a backend must be another host)"),
                error("dsr across families", edit("{address: 10.0.1.12}", "{address: \"fd00::12\"}"),
                        "lb.yaml:8:19: vips[0].backends[1].address: IPv6 backend for the IPv4 VIP: dsr forwards the packet unchanged, so the families must match (ipip and gue may mix them)"),
                // duplicates
                error("duplicate backend", edit("{address: 10.0.1.12}", "{address: 10.0.1.11}"),
                        "lb.yaml:8:19: vips[0].backends[1].address: backend 10.0.1.11 given twice in this VIP (first at vips[0].backends[0], line 7)"),
                error("duplicate IPv6 backend in another spelling", """
                        interface: eth0
                        vips:
                          - name: v6
                            address: "fd00::100"
                            port: 80
                            backends: [{address: "fd00::1"}, {address: "fd00:0:0::0:1"}]
                        """,
                        "lb.yaml:6:48: vips[0].backends[1].address: backend fd00::1 given twice in this VIP (first at vips[0].backends[0], line 6)"),
                error("duplicate VIP name", with("  - {name: web, address: 10.0.0.101, port: 80, backends: [{address: 10.0.1.11}]}\n"),
                        "lb.yaml:9:12: vips[1].name: VIP name 'web' given twice (first at vips[0].name, line 3; names must be unique)"),
                error("duplicate VIP service", with("  - {name: web2, address: 10.0.0.100, port: 80, backends: [{address: 10.0.1.11}]}\n"),
                        "lb.yaml:9:27: vips[1].address: another VIP has tcp 10.0.0.100 port 80 (vips[0], line 3; address, protocol and port must be unique)"),
                error("bad VIP name", edit("name: web", "name: web server"),
                        "lb.yaml:3:11: vips[0].name: 'web server' is not a VIP name (1..63 letters, digits, '.', '_' or '-', starting with a letter or digit)"),
                // MACs
                error("short MAC", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, mac: 02:00:00:00:00}"),
                        "lb.yaml:8:35: vips[0].backends[1].mac: '02:00:00:00:00' is not a MAC address (six hex pairs with colons, e.g. 02:00:5e:10:00:01)"),
                error("multicast MAC", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, mac: 01:00:5e:00:00:01}"),
                        "lb.yaml:8:35: vips[0].backends[1].mac: '01:00:5e:00:00:01' is a multicast MAC (the first byte's lowest bit is set; a unicast MAC is needed)"),
                error("zero MAC", edit("{address: 10.0.1.12}", "{address: 10.0.1.12, mac: 00:00:00:00:00:00}"),
                        "lb.yaml:8:35: vips[0].backends[1].mac: '00:00:00:00:00:00' is the all-zero MAC (a unicast MAC is needed)"),
                error("MAC for ipip", vipWith("forwarding: ipip").replace("{address: 10.0.1.12}", "{address: 10.0.1.12, mac: 02:00:00:00:00:01}"),
                        "lb.yaml:8:35: vips[0].backends[1].mac: applies only to forwarding: dsr (encapsulated packets go to the route's next hop; encapsulation.next-hop-mac overrides it)"),
                // interface
                error("unknown interface", edit("eth0", "eth1"),
                        "lb.yaml:1:12: interface: no interface 'eth1' on this host ('ip link' lists them)"),
                error("interface name with a slash", edit("eth0", "eth0/1"),
                        "lb.yaml:1:12: interface: 'eth0/1' is not an interface name (1..15 characters, no /, : or white space)"),
                error("interface name too long", edit("eth0", "a-very-long-interface"),
                        "lb.yaml:1:12: interface: 'a-very-long-interface' is not an interface name (1..15 characters, no /, : or white space)"),
                // durations
                error("idle without unit", with("connections:\n  tcp-idle: 300\n"),
                        "lb.yaml:10:13: connections.tcp-idle: '300' is not a duration (a whole number and a unit ms, s, m or h, e.g. 500ms, 300s, 2m, 1h)"),
                error("idle fraction", with("connections:\n  udp-idle: 1.5s\n"),
                        "lb.yaml:10:13: connections.udp-idle: '1.5s' is not a duration (a whole number and a unit ms, s, m or h, e.g. 500ms, 300s, 2m, 1h)"),
                error("idle zero", with("connections:\n  tcp-idle: 0s\n"),
                        "lb.yaml:10:13: connections.tcp-idle: 0s is out of range 1s..24h"),
                error("idle too long", with("connections:\n  tcp-idle: 25h\n"),
                        "lb.yaml:10:13: connections.tcp-idle: 25h is out of range 1s..24h"),
                error("unknown connections key", with("connections:\n  size: 10\n"),
                        "lb.yaml:10:3: connections.size: unknown key (allowed here: capacity, tcp-idle, udp-idle)"),
                // encapsulation
                error("v4 prefix with IPv6", with("encapsulation:\n  source-prefix-v4: fd00:1::/64\n"),
                        "lb.yaml:10:21: encapsulation.source-prefix-v4: fd00:1::/64 is not an IPv4 prefix (e.g. 10.255.0.0/16)"),
                error("v6 prefix with IPv4", with("encapsulation:\n  source-prefix-v6: 10.255.0.0/16\n"),
                        "lb.yaml:10:21: encapsulation.source-prefix-v6: 10.255.0.0/16 is not an IPv6 prefix (e.g. fd00:1::/64)"),
                error("prefix host bits", with("encapsulation:\n  source-prefix-v4: 10.255.1.0/16\n"),
                        "lb.yaml:10:21: encapsulation.source-prefix-v4: '10.255.1.0/16' has host bits set after /16 (write the network address)"),
                error("prefix too long", with("encapsulation:\n  source-prefix-v4: 10.255.0.0/33\n"),
                        "lb.yaml:10:21: encapsulation.source-prefix-v4: '10.255.0.0/33' has prefix length '33' (allowed: 0..32)"),
                error("prefix without length", with("encapsulation:\n  source-prefix-v6: \"fd00:1::\"\n"),
                        "lb.yaml:10:21: encapsulation.source-prefix-v6: 'fd00:1::' is not a prefix (ADDRESS/LENGTH, e.g. 10.255.0.0/16 or fd00:1::/64)"),
                error("next-hop MAC", with("encapsulation:\n  next-hop-mac: 02-00-00-00-00-01\n"),
                        "lb.yaml:10:17: encapsulation.next-hop-mac: '02-00-00-00-00-01' is not a MAC address (six hex pairs with colons, e.g. 02:00:5e:10:00:01)"),
                // health (part 2's keys, read and checked now)
                error("health type", vipWith("health: {type: icmp}"),
                        "lb.yaml:9:20: vips[0].health.type: 'icmp' is not one of tcp | http"),
                error("health unknown key", vipWith("health: {type: tcp, retries: 3}"),
                        "lb.yaml:9:25: vips[0].health.retries: unknown key (allowed here: type, port, path, expect, interval, timeout, rise, fall)"),
                error("health port needed for all ports", edit("port: 80", "port: 0") + "    health: {type: tcp}\n",
                        "lb.yaml:9:13: vips[0].health: missing key 'port' (required when the VIP's port is 0)"),
                error("health path for tcp", vipWith("health: {type: tcp, path: /x}"),
                        "lb.yaml:9:31: vips[0].health.path: applies only to type: http"),
                error("health path without slash", vipWith("health: {type: http, path: healthz}"),
                        "lb.yaml:9:32: vips[0].health.path: 'healthz' is not an HTTP path (it starts with / and has no spaces, e.g. /healthz)"),
                error("health expect", vipWith("health: {type: http, expect: 700}"),
                        "lb.yaml:9:34: vips[0].health.expect: 700 is out of range 100..599 (an HTTP status)"),
                error("health interval too short", vipWith("health: {interval: 10ms}"),
                        "lb.yaml:9:24: vips[0].health.interval: 10ms is out of range 100ms..1h"),
                error("health timeout above interval", vipWith("health: {interval: 1s, timeout: 2s}"),
                        "lb.yaml:9:37: vips[0].health.timeout: 2s is longer than the interval 1s (a check must end before the next starts)"),
                error("health rise zero", vipWith("health: {rise: 0}"),
                        "lb.yaml:9:20: vips[0].health.rise: 0 is out of range 1..100"),
                error("health not a mapping", vipWith("health: http"),
                        "lb.yaml:9:13: vips[0].health: expected a health check (a mapping with type, port, interval...), found 'http'"));
    }

    private static Arguments error(String name, String yaml, String message) {
        return arguments(name, yaml, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void everyMistakeIsOneLineWithItsPlace(String name, String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theExceptionCarriesItsParts() {
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> parse(edit("port: 80", "port: 70000")));
        assertThat(List.of(e.file(), e.line(), e.column(), e.keyPath(), e.problem()))
                .containsExactly(NAME, 5, 11, "vips[0].port", "70000 is out of range 0..65535 (0 = all ports)");
    }
}
