package dev.sluice.proto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth pair, with IPv4 and IPv6 addresses, for capturing what
 * the kernel's own stack sends. Names carry the pid so parallel runs do not collide; close()
 * stops every process started here and deletes both namespaces, also after a failure.
 *
 * <p>Transmit checksum offload is switched off on both ends ({@code ethtool -K tx off}, which also
 * turns off TSO/GSO), so the kernel computes every checksum in software before the frame reaches
 * the capture point: a veth never finishes a CHECKSUM_PARTIAL checksum, so with offload on, the
 * captured TCP/UDP checksums would be left unfinished (a partial pseudo-header sum).
 */
final class NetnsPair implements AutoCloseable {
    static final String A_IF = "va";
    static final String B_IF = "vb";
    static final String A_IP = "10.77.0.1";
    static final String B_IP = "10.77.0.2";
    static final String A_IP6 = "fd77::1";
    static final String B_IP6 = "fd77::2";

    final String a;
    final String b;
    private final List<Process> processes = new ArrayList<>();
    private boolean aCreated;
    private boolean bCreated;

    NetnsPair() {
        long pid = ProcessHandle.current().pid();
        this.a = "sluice-proto-" + pid + "-a";
        this.b = "sluice-proto-" + pid + "-b";
    }

    NetnsPair setUp() throws Exception {
        run("ip", "netns", "add", a);
        aCreated = true;
        run("ip", "netns", "add", b);
        bCreated = true;
        for (String ns : new String[]{a, b}) {
            exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
                    "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        run("ip", "-n", a, "link", "add", A_IF, "type", "veth", "peer", "name", B_IF, "netns", b);
        run("ip", "-n", a, "addr", "add", A_IP + "/24", "dev", A_IF);
        run("ip", "-n", a, "addr", "add", A_IP6 + "/64", "dev", A_IF, "nodad");
        run("ip", "-n", b, "addr", "add", B_IP + "/24", "dev", B_IF);
        run("ip", "-n", b, "addr", "add", B_IP6 + "/64", "dev", B_IF, "nodad");
        exec(a, "ethtool", "-K", A_IF, "tx", "off", "gro", "off");
        exec(b, "ethtool", "-K", B_IF, "tx", "off", "gro", "off");
        run("ip", "-n", a, "link", "set", A_IF, "up");
        run("ip", "-n", b, "link", "set", B_IF, "up");
        return this;
    }

    /** Runs a command in namespace {@code ns} and returns its output; fails on a non-zero exit. */
    String exec(String ns, String... command) throws Exception {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return run(c.toArray(String[]::new));
    }

    /** Starts a long-running command in {@code ns}; close() stops it. */
    Process start(String ns, String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        Process p = new ProcessBuilder(c).redirectErrorStream(false).start();
        processes.add(p);
        return p;
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("exit " + p.exitValue() + ": " + String.join(" ", command) + "\n" + text);
        }
        return text;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Deleting a namespace also removes the veth pair that lives in it.
        if (aCreated) {
            quietly("ip", "netns", "del", a);
        }
        if (bCreated) {
            quietly("ip", "netns", "del", b);
        }
    }

    private static void quietly(String... command) {
        try {
            run(command);
        } catch (Exception e) {
            System.err.println("cleanup failed: " + e.getMessage());
        }
    }
}
