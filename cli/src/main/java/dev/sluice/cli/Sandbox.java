package dev.sluice.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throw-away two-host network: namespaces {@code <name>-a} and {@code <name>-b} joined by a
 * veth pair {@code <tag>a} / {@code <tag>b}, addressed 10.200.N.1/24 and 10.200.N.2/24. Nothing of
 * it touches the host's own namespace, so several sandboxes can coexist. For {@code sluice demo};
 * tests use {@code dev.sluice.testing.NetnsPair}.
 * {@link #close()} deletes both namespaces, which deletes the veth pair and any XDP program on it.
 * Built with iproute2 ({@code ip}), which every supported system has.
 */
public final class Sandbox implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    public final String nsA;
    public final String nsB;
    public final String ifA;
    public final String ifB;
    public final String ipA;
    public final String ipB;
    private String macA;
    private String macB;

    private Sandbox(String name, String tag, int subnet) {
        this.nsA = name + "-a";
        this.nsB = name + "-b";
        this.ifA = tag + "a";
        this.ifB = tag + "b";
        this.ipA = "10.200." + subnet + ".1";
        this.ipB = "10.200." + subnet + ".2";
    }

    /**
     * Creates a sandbox named after {@code purpose}, unique in this machine.
     *
     * @param queues RX/TX queues of each veth end (1 for the usual single-queue veth)
     */
    public static Sandbox create(String purpose, int queues) {
        long pid = ProcessHandle.current().pid();
        int seq = SEQUENCE.incrementAndGet();
        String tag = "sl" + Long.toString(pid % 1_000_000, 36) + Integer.toString(seq, 36);
        String name = "sluice-" + purpose + "-" + pid + "-" + seq;
        int subnet = (int) ((pid * 31 + seq) % 250) + 1;
        Sandbox s = new Sandbox(name, tag, subnet);
        try {
            s.build(queues);
        } catch (Main.UserError e) {
            s.close();
            throw e;
        } catch (RuntimeException e) {
            // A step after the first failed: a tool or a kernel feature the sandbox needs is missing.
            s.close();
            throw new Main.UserError("cannot build the demo's sandbox: " + String.valueOf(e.getMessage()).strip()
                    .replaceAll("\\s*\\R\\s*", "; "));
        }
        return s;
    }

    private void build(int queues) {
        try {
            run("ip", "netns", "add", nsA);
        } catch (IllegalStateException e) {
            // The first step needs what all the others need: root, network namespaces and iproute2.
            throw new Main.UserError("cannot create the network namespace " + nsA + " (a sandbox needs root, "
                    + "network namespaces and iproute2): " + e.getMessage().replaceAll("\\s*\\R\\s*", "; "));
        }
        run("ip", "netns", "add", nsB);
        List<String> add = new ArrayList<>(List.of("ip", "-n", nsA, "link", "add", ifA));
        if (queues > 1) {
            add.addAll(List.of("numtxqueues", "" + queues, "numrxqueues", "" + queues));
        }
        add.addAll(List.of("type", "veth", "peer", "name", ifB, "netns", nsB));
        if (queues > 1) {
            add.addAll(List.of("numtxqueues", "" + queues, "numrxqueues", "" + queues));
        }
        run(add.toArray(String[]::new));
        for (String[] side : new String[][] {{nsA, ifA, ipA}, {nsB, ifB, ipB}}) {
            // No IPv6 on the pair: router solicitations and MLD reports would be stray packets.
            run("ip", "netns", "exec", side[0], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
            run("ip", "netns", "exec", side[0], "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
            run("ip", "-n", side[0], "addr", "add", side[2] + "/24", "dev", side[1]);
            run("ip", "-n", side[0], "link", "set", "lo", "up");
            run("ip", "-n", side[0], "link", "set", side[1], "up");
        }
        macA = mac(nsA, ifA);
        macB = mac(nsB, ifB);
    }

    private static String mac(String ns, String ifname) {
        String out = run("ip", "-n", ns, "-o", "link", "show", "dev", ifname);
        int at = out.indexOf("link/ether ");
        if (at < 0) {
            throw new IllegalStateException("no MAC address in: " + out);
        }
        return out.substring(at + 11, at + 28);
    }

    /**
     * Makes side B reach side A's address without ARP (needed while a redirect-all program on A
     * takes ARP requests away from A's kernel).
     */
    public void staticNeighbours() {
        run("ip", "-n", nsB, "neigh", "replace", ipA, "lladdr", macA, "dev", ifB, "nud", "permanent");
        run("ip", "-n", nsA, "neigh", "replace", ipB, "lladdr", macB, "dev", ifA, "nud", "permanent");
    }

    /** Runs a command and returns its output; throws with the output when it fails. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + " (is iproute2 installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    private static void runQuietly(String... command) {
        try {
            run(command);
        } catch (RuntimeException ignored) {
            // best effort during cleanup
        }
    }

    @Override
    public void close() {
        runQuietly("ip", "netns", "del", nsA);
        runQuietly("ip", "netns", "del", nsB);
    }
}
