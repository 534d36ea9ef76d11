package dev.sluice.systest;

import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice lb} and {@code sluice lb which} as processes: help, every kind of configuration
 * mistake answered with the loader's one line (file, line, column, key) and exit code 2 before
 * anything is attached, and {@code which} answering many flows consistently.
 */
class LbCliSystemTest {
    @TempDir
    Path dir;

    @Test
    void helpDescribesTheBalancerAndWhich() throws Exception {
        Cli.Result top = Cli.run(List.of(), 60, "--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("lb").contains("fwd").contains("demo");
        Cli.Result lb = Cli.run(List.of(), 60, "lb", "--help");
        assertThat(lb.exit()).isZero();
        assertThat(lb.out()).contains("--config").contains("--metrics").contains("which").contains("summary");
        Cli.Result which = Cli.run(List.of(), 60, "lb", "which", "--help");
        assertThat(which.exit()).isZero();
        assertThat(which.out()).contains("--flow").contains("--flows").contains("PROTO:SRC:SPORT:DST:DPORT");
    }

    @Test
    void lbWithoutConfigSaysWhatItNeeds() throws Exception {
        Cli.Result r = Cli.run(List.of(), 60, "lb");
        assertOneLine(r, "sluice lb needs --config FILE");
    }

    private static void assertOneLine(Cli.Result r, String expected) {
        assertThat(r.exit()).as("exit code; stdout: " + r.out() + " stderr: " + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(expected);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines().count()).as("lines in: " + r.err()).isEqualTo(1);
    }

    /** A configuration that is valid but for {@code broken}, which replaces line {@code line} (1-based). */
    private Path config(String name, String iface, int line, String broken) throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "interface: " + iface,                   // 1
                "vips:",                                 // 2
                "  - name: web",                         // 3
                "    address: 10.7.100.1",               // 4
                "    protocol: tcp",                     // 5
                "    port: 80",                          // 6
                "    backends:",                         // 7
                "      - {address: 10.7.0.11, weight: 1}", // 8
                "      - {address: 10.7.0.12, weight: 2}", // 9
                "  - name: dns",                         // 10
                "    address: 10.7.100.2",               // 11
                "    protocol: udp",                     // 12
                "    port: 53",                          // 13
                "    backends:",                         // 14
                "      - address: 10.7.0.11"));          // 15
        if (line > 0) {
            lines.set(line - 1, broken);
        }
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void everyConfigurationMistakeIsOneLineWithItsPositionAndNothingIsAttached() throws Exception {
        Privileged.requireNamespaces("checks that nothing is attached to an interface in a namespace");
        try (NetnsPair box = NetnsPair.create("lbconf")) {
            record Mistake(String name, int line, String text, String expected) {
            }
            List<Mistake> mistakes = List.of(
                    new Mistake("syntax", 5, "    protocol: tcp: udp", ":5:"),
                    new Mistake("unknown-key", 6, "    prot: 80", ":6:5: vips[0].prot"),
                    new Mistake("wrong-type", 6, "    port: eighty", ":6:11: vips[0].port"),
                    new Mistake("bad-address", 4, "    address: 10.7.100.300", ":4:14: vips[0].address"),
                    new Mistake("weight", 9, "      - {address: 10.7.0.12, weight: 70000}", ":9:"),
                    new Mistake("duplicate", 10, "  - name: web", ":10:"),
                    new Mistake("no-backends", 15, "      []", "vips[1].backends"),
                    new Mistake("interface", 1, "interface: nosuchif0", ":1:12: interface"));
            for (Mistake m : mistakes) {
                Path file = config(m.name(), box.ifA, m.line(), m.text());
                Cli.Result r = Cli.run(Cli.inNetns(box.nsA), 60, "lb", "--config", file.toString());
                assertOneLine(r, file.toString() + (m.expected().startsWith(":") ? "" : ":"));
                assertThat(r.err()).as(m.name()).contains(m.expected());
                assertThat(r.err()).as(m.name()).matches("(?s)sluice: " + java.util.regex.Pattern.quote(file.toString()) + ":\\d+:\\d+: .*");
                assertThat(Commands.run("ip", "-n", box.nsA, "-d", "link", "show", "dev", box.ifA)).as(m.name()).doesNotContain("prog/xdp");
            }
            Cli.Result missing = Cli.run(Cli.inNetns(box.nsA), 60, "lb", "--config", dir.resolve("absent.yaml").toString());
            assertThat(missing.exit()).as(missing.err()).isEqualTo(2);
            assertThat(missing.err().strip().lines().count()).as(missing.err()).isEqualTo(1);
            assertThat(missing.err()).contains("absent.yaml");
        }
    }

    /**
     * fwd and lb run with exactly the README's five capabilities and nothing else of root's; without
     * any one of them, each stops with a line naming the missing one and leaves nothing attached.
     */
    @Test
    void lbNeedsNoCapabilityFwdDoesNotNeed() throws Exception {
        Privileged.requireNamespaces("runs fwd and lb with reduced capabilities in a namespace");
        Privileged.requireTool("setpriv", "drops capabilities before the JVM starts");
        try (NetnsPair box = NetnsPair.create("lbcaps")) {
            Path config = Files.writeString(dir.resolve("caps.yaml"), """
                    interface: %s
                    vips:
                      - name: web
                        address: 10.7.100.1
                        port: 80
                        backends:
                          - {address: %s, mac: "02:00:00:00:00:02"}
                    """.formatted(box.ifA, box.ipB));
            String all = "net_raw,net_admin,bpf,perfmon,ipc_lock";
            Cli.Result fwd = Cli.run(withCapabilities(box, all), 90, "fwd", "--iface", box.ifA, "--duration", "1", "--warmup-ms", "0");
            assertThat(fwd.exit()).as(fwd.out() + fwd.err()).isZero();
            Cli.Result lb = Cli.run(withCapabilities(box, all), 90, "lb", "--config", config.toString(), "--duration", "1");
            assertThat(lb.exit()).as(lb.out() + lb.err()).isZero();
            assertThat(lb.out()).contains("summary ");
            for (String cap : List.of("net_raw", "net_admin", "bpf", "perfmon")) {
                String fewer = String.join(",", java.util.Arrays.stream(all.split(",")).filter(c -> !c.equals(cap)).toList());
                String name = "CAP_" + cap.toUpperCase(java.util.Locale.ROOT);
                Cli.Result f = Cli.run(withCapabilities(box, fewer), 90, "fwd", "--iface", box.ifA, "--duration", "1", "--warmup-ms", "0");
                assertThat(f.exit()).as("fwd without " + name + ": " + f.out() + f.err()).isEqualTo(2);
                assertThat(f.err()).as("fwd without " + name).contains(name);
                Cli.Result l = Cli.run(withCapabilities(box, fewer), 90, "lb", "--config", config.toString(), "--duration", "1");
                assertThat(l.exit()).as("lb without " + name + ": " + l.out() + l.err()).isEqualTo(2);
                assertThat(l.err()).as("lb without " + name).contains(name);
                assertThat(Commands.run("ip", "-n", box.nsA, "-d", "link", "show", "dev", box.ifA)).doesNotContain("prog/xdp");
            }
        }
    }

    /** Runs in the box's first namespace with only {@code caps} (comma-separated, no CAP_ prefix) of root's. */
    private static List<String> withCapabilities(NetnsPair box, String caps) {
        String set = "-all," + java.util.Arrays.stream(caps.split(",")).map(c -> "+" + c).collect(java.util.stream.Collectors.joining(","));
        List<String> prefix = new ArrayList<>(Cli.inNetns(box.nsA));
        prefix.addAll(List.of("setpriv", "--bounding-set", set, "--inh-caps", "-all"));
        return prefix;
    }

    @Test
    void whichAnswersOneFlowIpv4AndIpv6() throws Exception {
        Path file = Files.writeString(dir.resolve("which.yaml"), """
                interface: nosuchif0
                vips:
                  - name: web
                    address: 10.7.100.1
                    protocol: tcp
                    port: 80
                    backends:
                      - {address: 10.7.0.11}
                  - name: web6
                    address: fd07:100::1
                    protocol: udp
                    port: 0
                    forwarding: ipip
                    backends:
                      - {address: fd07::11}
                """);
        Cli.Result r = Cli.run(List.of(), 60, "lb", "which", "--config", file.toString(),
                "--flow", "tcp:192.0.2.7:40000:10.7.100.1:80", "--flow", "udp:[2001:db8::7]:5353:[fd07:100::1]:53",
                "--flow", "tcp:192.0.2.7:40000:10.7.100.1:81");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("tcp:192.0.2.7:40000:10.7.100.1:80 vip=web backend=10.7.0.11");
        assertThat(lines.get(1)).isEqualTo("udp:[2001:db8::7]:5353:[fd07:100::1]:53 vip=web6 backend=fd07::11");
        assertThat(lines.get(2)).startsWith("tcp:192.0.2.7:40000:10.7.100.1:81 vip=none");
    }

    @Test
    void whichOnTenThousandRandomFlowsAgreesWithItselfAndSpreadsEvenly() throws Exception {
        Path config = Files.writeString(dir.resolve("many.yaml"), """
                interface: nosuchif0
                vips:
                  - name: web
                    address: 10.7.100.1
                    protocol: tcp
                    port: 80
                    backends:
                      - {address: 10.7.0.11}
                      - {address: 10.7.0.12}
                      - {address: 10.7.0.13}
                      - {address: 10.7.0.14}
                """);
        Random random = new Random(11);
        StringBuilder flows = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            flows.append("tcp:10.").append(random.nextInt(256)).append('.').append(random.nextInt(256)).append('.')
                    .append(random.nextInt(256)).append(':').append(1024 + random.nextInt(64512)).append(":10.7.100.1:80\n");
        }
        Path flowsFile = Files.writeString(dir.resolve("flows.txt"), flows);
        Cli.Result first = Cli.run(List.of(), 120, "lb", "which", "--config", config.toString(), "--flows", flowsFile.toString());
        Cli.Result second = Cli.run(List.of(), 120, "lb", "which", "--config", config.toString(), "--flows", flowsFile.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out().lines().count()).isEqualTo(10_000);
        assertThat(second.out()).isEqualTo(first.out());
        Map<String, Integer> perBackend = new HashMap<>();
        first.out().lines().forEach(l -> perBackend.merge(l.substring(l.indexOf("backend=") + 8), 1, Integer::sum));
        assertThat(perBackend).hasSize(4);
        // Equal weights: each within 2 % of the whole of its share of 2,500 (binomial sd ~43 flows).
        perBackend.values().forEach(n -> assertThat(n).as(perBackend.toString()).isBetween(2500 - 200, 2500 + 200));
    }

    @Test
    void whichReportsBadLinesWithTheirNumbersAndAnswersTheRest() throws Exception {
        Path config = config("which-bad", "nosuchif0", 0, null);
        Path flowsFile = Files.writeString(dir.resolve("bad.txt"), """
                # a comment, then a blank line

                tcp:192.0.2.7:40000:10.7.100.1:80
                tcp:192.0.2.7:40000:10.7.100.1
                udp:[2001:db8::1]:53:10.7.100.2:53
                udp:192.0.2.7:40000:10.7.100.2:53   # trailing comment
                """);
        Cli.Result r = Cli.run(List.of(), 60, "lb", "which", "--config", config.toString(), "--flows", flowsFile.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out()).contains("vip=web ").contains("vip=dns ");
        List<String> errors = r.err().lines().toList();
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).startsWith("sluice: " + flowsFile + ":4: ");
        assertThat(errors.get(1)).startsWith("sluice: " + flowsFile + ":5: ").contains("different families");
    }
}
