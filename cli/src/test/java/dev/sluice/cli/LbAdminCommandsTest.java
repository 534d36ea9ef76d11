package dev.sluice.cli;

import dev.sluice.counters.CountersDirectory;
import dev.sluice.counters.CountersFile;
import dev.sluice.lb.admin.AdminCommand;
import dev.sluice.lb.admin.AdminRequest;
import dev.sluice.lb.admin.AdminResponse;
import dev.sluice.lb.admin.AdminServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin subcommands' half in this process: which instance they choose in a run directory, and
 * the exit code and output for each kind of reply, against a real socket with a stand-in handler.
 */
class LbAdminCommandsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<AutoCloseable> open = new ArrayList<>();

    private CountersFile instance(String name) {
        CountersFile f = CountersFile.create(dir, name, "sluice lb --config " + name + ".yaml", 16);
        open.add(f);
        return f;
    }

    private AdminServer serve(CountersFile f, List<AdminRequest> seen) {
        AdminServer s = AdminServer.start(CountersDirectory.socketFor(f.path()), r -> {
            seen.add(r);
            return switch (r.command()) {
                case STATUS -> AdminResponse.ok("lb eth0  pid 1\n\nVIP web");
                case DRAIN -> AdminResponse.error("drain: no VIP holds backend 10.9.9.9");
                case RELOAD -> AdminResponse.ok("applied " + r.argument());
                case UNDRAIN -> throw new IllegalStateException("boom");
            };
        }, m -> { });
        open.addFirst(s);
        return s;
    }

    private int ask(String selector, AdminRequest r) {
        try {
            return LbInstances.ask(dir, selector, r, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
        } finally {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // the test's own clean-up
                }
            }
            open.clear();
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theAdminSubcommandsAreUnderLbAndSayTheirExitCodes() {
        picocli.CommandLine lb = new picocli.CommandLine(new Main()).getSubcommands().get("lb");
        assertThat(lb.getSubcommands()).containsKeys("which", "status", "reload", "drain", "undrain");
        for (String name : List.of("status", "reload", "drain", "undrain")) {
            picocli.CommandLine c = lb.getSubcommands().get(name);
            assertThat(c.getCommandSpec().findOption("--instance")).as(name).isNotNull();
            assertThat(c.getUsageMessage()).as(name).contains("Exit codes: 0").contains("PID|NAME");
        }
        assertThat(lb.getSubcommands().get("reload").getCommandSpec().findOption("--config")).isNotNull();
    }

    @Test
    void theOnlyInstanceAnswersAndItsTextGoesToStandardOutput() {
        List<AdminRequest> seen = new ArrayList<>();
        serve(instance("lb-eth0"), seen);
        assertThat(ask(null, AdminRequest.of(AdminCommand.STATUS))).isZero();
        assertThat(out()).isEqualTo("lb eth0  pid 1\n\nVIP web\n");
        assertThat(err()).isEmpty();
        assertThat(seen).containsExactly(AdminRequest.of(AdminCommand.STATUS));
    }

    @Test
    void aRefusalIsExitTwoWithTheReasonOnStandardError() {
        serve(instance("lb-eth0"), new ArrayList<>());
        assertThat(ask(null, AdminRequest.of(AdminCommand.DRAIN, "10.9.9.9"))).isEqualTo(2);
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo("sluice: drain: no VIP holds backend 10.9.9.9\n");
    }

    @Test
    void theBalancersOwnFailureIsExitOne() {
        serve(instance("lb-eth0"), new ArrayList<>());
        assertThat(ask(null, AdminRequest.of(AdminCommand.UNDRAIN, "10.9.9.9"))).isEqualTo(1);
        assertThat(err()).startsWith("sluice: lb-eth0 (pid " + ProcessHandle.current().pid() + ") failed to answer: internal: undrain failed");
    }

    @Test
    void aSocketNobodyListensOnIsExitOneAndSaysStale() throws Exception {
        CountersFile f = instance("lb-eth0");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(CountersDirectory.socketFor(f.path())));
        }
        assertThat(ask(null, AdminRequest.of(AdminCommand.STATUS))).isEqualTo(1);
        assertThat(err()).contains("connection refused: nobody listens (a stale socket");
    }

    @Test
    void anInstanceWithoutASocketIsExitOne() {
        instance("lb-eth0");
        assertThat(ask(null, AdminRequest.of(AdminCommand.STATUS))).isEqualTo(1);
        assertThat(err()).contains("no such socket");
    }

    @Test
    void severalInstancesNeedInstanceAndItChoosesByNameOrInterface() {
        List<AdminRequest> first = new ArrayList<>();
        List<AdminRequest> second = new ArrayList<>();
        CountersFile a = instance("lb-eth0");
        CountersFile b = instance("lb-eth1");
        instance("fwd-eth2"); // not a balancer: never a candidate
        assertThatThrownBy(() -> LbInstances.choose(dir, null, System.err))
                .isInstanceOf(Main.UserError.class)
                .hasMessageStartingWith("2 sluice lb instances are running: choose one with --instance PID|NAME\n")
                .hasMessageContaining("lb-eth0").hasMessageContaining("lb-eth1").hasMessageNotContaining("fwd-eth2");
        assertThat(LbInstances.choose(dir, "lb-eth1", System.err).path()).isEqualTo(b.path());
        assertThat(LbInstances.choose(dir, "eth0", System.err).path()).isEqualTo(a.path());
        assertThatThrownBy(() -> LbInstances.choose(dir, "eth7", System.err))
                .isInstanceOf(Main.UserError.class)
                .hasMessageStartingWith("no running sluice lb instance matching --instance eth7 (looked in " + dir + "); running:")
                .hasMessageContaining("lb-eth1");
        serve(a, first);
        serve(b, second);
        assertThat(ask("eth1", AdminRequest.of(AdminCommand.RELOAD, "/x.yaml"))).isZero();
        assertThat(first).isEmpty();
        assertThat(second).containsExactly(AdminRequest.of(AdminCommand.RELOAD, "/x.yaml"));
        assertThat(out()).isEqualTo("applied /x.yaml\n");
    }

    @Test
    void aPidChoosesAndNoInstanceIsAUserError() {
        CountersFile a = instance("lb-eth0");
        long pid = ProcessHandle.current().pid();
        assertThat(LbInstances.choose(dir, Long.toString(pid), System.err).path()).isEqualTo(a.path());
        assertThatThrownBy(() -> LbInstances.choose(dir.resolve("empty"), null, System.err))
                .isInstanceOf(Main.UserError.class)
                .hasMessage("no running sluice lb instance (looked in " + dir.resolve("empty") + ")");
        assertThat(LbInstances.matches(CountersDirectory.describe(a.path()).orElseThrow(), "99999999999999999999")).isFalse();
    }

    @Test
    void staleSocketsAreRemovedBeforeChoosing() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Path orphan = dir.resolve(p.pid() + "-lb-eth9.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(orphan));
        }
        serve(instance("lb-eth0"), new ArrayList<>());
        assertThat(ask(null, AdminRequest.of(AdminCommand.STATUS))).isZero();
        assertThat(Files.exists(orphan)).isFalse();
    }
}
