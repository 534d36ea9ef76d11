package dev.sluice.systest;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a new user gets wrong, answered before anything is set up: one line on stderr that names
 * the option and what it accepts, exit code 2, no stack trace, and nothing built (no sandbox, no
 * port). None of these needs a network: every mistake is caught before one would be used.
 */
class CliMistakesTest {
    private static final String MAC = "02:00:00:00:00:01";

    static void assertOneClearLine(Cli.Result r, String... expected) {
        assertThat(r.exit()).as("exit code; stderr: " + r.err()).isEqualTo(2);
        for (String e : expected) {
            assertThat(r.err()).contains(e);
        }
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("internal error");
        assertThat(r.err().strip().lines().count()).as("lines in: " + r.err()).isEqualTo(1);
    }

    private static Cli.Result sluice(String... args) throws Exception {
        return Cli.run(List.of(), 60, args);
    }

    @Test
    void aCpuThisProcessMayNotUseIsOneLineForFwdAndGen() throws Exception {
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--cpu", "99", "--duration", "1"),
                "--cpu 99 is not a CPU this process may run on (allowed: ");
        assertOneClearLine(sluice("gen", "--iface", "nosuch0", "--dst-mac", MAC, "--cpu", "99", "--count", "1"),
                "--cpu 99 is not a CPU this process may run on (allowed: ");
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--cpu", "-1", "--duration", "1"), "--cpu -1 is not a CPU");
    }

    @Test
    void theAllowedSetDecidesNotTheNumberOfCpus() throws Exception {
        // Restricted to its first allowed CPU (taskset), the process may not use the next one,
        // whether or not the machine has it.
        String first = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                .substring("Cpus_allowed_list:".length()).strip().split("[,-]")[0];
        int next = Integer.parseInt(first) + 1;
        Cli.Result r = Cli.run(List.of("taskset", "-c", first), 60, "fwd", "--driver", "memory", "--cpu", "" + next,
                "--duration", "1");
        assertOneClearLine(r, "--cpu " + next + " is not a CPU this process may run on (allowed: " + first + ")");
    }

    @Test
    void fwdRefusesImpossibleValuesNamingTheOptionAndItsRange() throws Exception {
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--cpu", "0,1", "--duration", "1"),
                "--cpu names 2 CPUs for 1 polling thread");
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--workers", "0", "--duration", "1"),
                "--workers must be in 1..64, not 0");
        // The UMEM size is the mistake here, and the message says so with a range that exists.
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--umem-frames", "16", "--duration", "1"),
                "--umem-frames must be in 128..");
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--frames", "600", "--umem-frames", "1024", "--duration", "1"),
                "--frames must be in 16..512 (half of --umem-frames 1024), not 600");
        assertOneClearLine(sluice("fwd", "--driver", "pcap", "--in", "/nonexistent.pcap", "--queue", "1"),
                "--queue belongs to --driver afxdp");
        assertOneClearLine(sluice("fwd", "--driver", "afpacket", "--iface", "nosuch0", "--queue", "2"),
                "--driver afpacket receives from every queue of the interface: --queue 2 cannot be chosen");
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--ring-size", "100", "--duration", "1"),
                "--ring-size must be a power of two in 64..65536, not 100");
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--frame-size", "3000", "--duration", "1"),
                "--frame-size must be 2048 or 4096, not 3000");
        assertOneClearLine(sluice("fwd", "--driver", "memory", "--mode", "bogus", "--duration", "1"),
                "unknown --mode 'bogus'");
    }

    @Test
    void lbRefusesImpossibleRingValuesBeforeReadingItsConfiguration() throws Exception {
        assertOneClearLine(sluice("lb", "--config", "/nonexistent.yaml", "--ring-size", "100"),
                "--ring-size must be a power of two in 64..65536, not 100");
        assertOneClearLine(sluice("lb", "--config", "/nonexistent.yaml", "--umem-frames", "16"),
                "--umem-frames must be in 128..");
        assertOneClearLine(sluice("lb", "--config", "/nonexistent.yaml", "--frames", "600", "--umem-frames", "1024"),
                "--frames must be in 16..512 (half of --umem-frames 1024), not 600");
    }

    @Test
    void fwdAndLbRefuseAnUnknownIdleStrategyBeforeOpeningAnything() throws Exception {
        assertOneClearLine(sluice("lb", "--config", "/nonexistent.yaml", "--idle", "nap"),
                "--idle must be one of spin, yield, backoff, sleep, not 'nap'");
        assertOneClearLine(sluice("fwd", "--iface", "nosuch0", "--idle", "noop"),
                "--idle must be one of spin, yield, backoff, sleep, not 'noop'");
    }

    @Test
    void genRefusesPortsAndFlowsOutsideTheirRange() throws Exception {
        assertOneClearLine(sluice("gen", "--iface", "nosuch0", "--dst-mac", MAC, "--dst-port", "70000", "--count", "1"),
                "--dst-port must be in 1..65535, not 70000");
        assertOneClearLine(sluice("gen", "--iface", "nosuch0", "--dst-mac", MAC, "--src-port", "99999", "--count", "1"),
                "--src-port must be in 1..65535, not 99999");
        // 65000 + 1000 flows would run past 65535 and wrap to port 0.
        assertOneClearLine(sluice("gen", "--iface", "nosuch0", "--dst-mac", MAC, "--src-port", "65000", "--flows", "1000",
                "--count", "1"), "--flows must be in 1..536 (source ports from --src-port 65000 up to 65535), not 1000");
        assertOneClearLine(sluice("gen", "--iface", "nosuch0", "--dst-mac", MAC, "--rate", "-5", "--count", "1"),
                "--rate must be 0 or more");
        assertOneClearLine(sluice("gen", "--iface", "nosuch0", "--dst-mac", "02:00", "--count", "1"),
                "--dst-mac '02:00' is not a MAC address");
    }

    @Test
    void whatCannotBeParsedIsOneLinePointingAtTheHelp() throws Exception {
        assertOneClearLine(sluice("fwd", "--cpu", "abc"), "'abc' is not an int", "(see 'sluice fwd --help')");
        assertOneClearLine(sluice("gen", "--iface", "nosuch0"), "--dst-mac", "(see 'sluice gen --help')");
        assertOneClearLine(sluice("bogus"), "'bogus'", "(see 'sluice --help')");
    }

    @Test
    void demoRefusesABadModeBeforeBuildingTheSandbox() throws Exception {
        Cli.Result r = sluice("demo", "--mode", "bogus", "--duration", "1");
        assertOneClearLine(r, "unknown --mode 'bogus'");
        assertThat(r.out()).as("nothing built, nothing printed").doesNotContain("sandbox");
        Cli.Result size = sluice("demo", "--size", "20", "--duration", "1");
        assertOneClearLine(size, "--size must be in 64..1518 (frame incl. FCS), not 20");
        assertThat(size.out()).doesNotContain("sandbox");
    }

    @Test
    void demoWithoutRootSaysWhatItNeeds() throws Exception {
        // Root's uid without root's capabilities: what a user without sudo has.
        Cli.Result r = Cli.run(List.of("setpriv", "--inh-caps=-all", "--bounding-set=-all"), 60, "demo", "--duration", "1");
        assertOneClearLine(r, "sluice demo needs root", "CAP_SYS_ADMIN", "run it with sudo");
        assertThat(r.out()).doesNotContain("sandbox");
    }

    @Test
    void aSandboxThatCannotBeBuiltIsOneLine() throws Exception {
        // Root, but no namespace can be created: /run/netns read-only in a mount namespace of its own.
        List<String> readOnlyNetns = List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mkdir -p /run/netns && mount -t tmpfs -o ro none /run/netns && exec \"$@\"", "sh");
        Cli.Result r = Cli.run(readOnlyNetns, 60, "demo", "--duration", "1");
        assertOneClearLine(r, "cannot create the network namespace", "a sandbox needs root, network namespaces and iproute2",
                "Read-only file system");
        assertThat(r.out()).doesNotContain("sandbox:");
    }

    @Test
    void helpSummariesAreWholeSentencesAndOptionsMeanOneThing() throws Exception {
        Cli.Result r = sluice("--help");
        assertThat(r.exit()).isZero();
        List<String> summaries = new ArrayList<>();
        boolean commands = false;
        for (String line : r.out().lines().toList()) {
            if (line.startsWith("Commands:")) {
                commands = true;
            } else if (commands && line.matches("  \\S.*")) {
                summaries.add(line.strip().replaceFirst("^\\S+\\s+", ""));
            } else if (commands && !summaries.isEmpty() && line.startsWith("    ")) {
                summaries.set(summaries.size() - 1, summaries.getLast() + " " + line.strip());
            }
        }
        assertThat(summaries).hasSizeGreaterThanOrEqualTo(4);
        assertThat(summaries).allSatisfy(s -> assertThat(s).endsWith("."));

        String gen = sluice("gen", "--help").out().replaceAll("\\s+", " ");
        String demo = sluice("demo", "--help").out().replaceAll("\\s+", " ");
        assertThat(gen).contains("--size=BYTES Frame size on the wire incl. 4-byte FCS");
        assertThat(demo).contains("--size=BYTES Frame size on the wire incl. 4-byte FCS");
        assertThat(gen).contains("0 means unlimited");
    }
}
