package dev.sluice.cli.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The demo's network: one Ethernet segment (a Linux bridge in a namespace of its own) joining a
 * client, the balancer host and the backends, each in its own namespace by a veth pair. The
 * balancer's interface is its veth end inside its namespace (XDP attaches there, never to the bridge).
 *
 * <pre>
 *   client   10.0.1.2  --+
 *   balancer 10.0.1.3  --+-- bridge (namespace "...-br")      VIP 10.0.100.1, held by nobody on the wire
 *   backend i 10.0.1.(10+i) -+
 * </pre>
 *
 * The client routes the VIP via the balancer's address. Each backend holds the VIP on {@code lo}
 * ({@code arp_ignore=1}, {@code arp_announce=2}: it never answers ARP for it) and serves a directory
 * with {@code python3 -m http.server} on port 80: {@code /who} (its name), {@code /healthz} and, for
 * long transfers, {@code /big} (lines that each start with its name). So it answers the client
 * directly (direct server return). Transmit checksum offload is off on the hosts' veths: a veth
 * leaves partial checksums that a wire would never carry. IPv6 is off everywhere (no stray router
 * solicitations). Names carry the pid and a sequence number; addresses are the same in every
 * network (each is its own segment). {@link #close()} stops every process in its namespaces and
 * deletes them and its directory, after a failure too.
 */
final class DemoNetwork implements AutoCloseable {
    static final String VIP = "10.0.100.1";
    static final String CLIENT = "10.0.1.2";
    static final String BALANCER = "10.0.1.3";
    static final int PORT = 80;
    static final String HEALTH_PATH = "/healthz";
    /** Size of {@code /big}: at the soak's download rate a transfer spans several reloads. */
    static final int BIG_BYTES = 1 << 20;
    /** The message when Ctrl-C came before the demo ran. */
    static final String STOPPED = "sluice demo stopped before it ran (Ctrl-C)";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    final String bridgeNs;
    final String clientNs;
    final String balancerNs;
    /** The balancer's interface (in {@link #balancerNs}). */
    final String balancerIf;
    final List<Backend> backends = new ArrayList<>();
    private final String tag;
    private final List<String> namespaces = new ArrayList<>();
    private final Path dir;

    /** One backend host: its name ({@code b1}...), namespace, address and HTTP server. */
    static final class Backend {
        final String name;
        final String ns;
        final String address;
        final Path root;
        private Process server;

        Backend(String name, String ns, String address, Path root) {
            this.name = name;
            this.ns = ns;
            this.address = address;
            this.root = root;
        }

        synchronized boolean serving() {
            return server != null && server.isAlive();
        }
    }

    private DemoNetwork(int backendCount) {
        long pid = ProcessHandle.current().pid();
        int seq = SEQUENCE.incrementAndGet();
        String name = "sluice-demo-" + pid + "-" + seq;
        tag = "sd" + Long.toString(pid % 1_000_000, 36) + Integer.toString(seq, 36);
        bridgeNs = name + "-br";
        clientNs = name + "-client";
        balancerNs = name + "-lb";
        balancerIf = tag + "l";
        try {
            dir = Files.createTempDirectory(name + "-");
        } catch (IOException e) {
            throw new DemoSetupException("cannot create a directory for the demo's files: " + e.getMessage());
        }
        for (int i = 1; i <= backendCount; i++) {
            backends.add(new Backend("b" + i, name + "-b" + i, "10.0.1." + (10 + i), dir.resolve("www-b" + i)));
        }
    }

    /**
     * Builds the segment and starts the backends' HTTP servers; returns once each answers the
     * client on its own address.
     *
     * @param cancelled true once the user pressed Ctrl-C: the wait for the servers ends
     * @throws DemoSetupException naming the step that failed and why, or saying it was stopped (the
     *         network is removed again)
     */
    static DemoNetwork create(int backendCount, BooleanSupplier cancelled) {
        DemoNetwork n = new DemoNetwork(backendCount);
        try {
            n.build();
            for (Backend b : n.backends) {
                n.startServer(b);
            }
            for (Backend b : n.backends) {
                n.awaitServing(b, 30_000, cancelled);
            }
            return n;
        } catch (RuntimeException e) {
            n.close();
            if (e instanceof DemoSetupException) {
                throw e;
            }
            throw new DemoSetupException("cannot build the demo's network: " + Exec.oneLine(String.valueOf(e.getMessage())));
        }
    }

    /** A directory removed with the network (the balancer's configuration). */
    Path dir() {
        return dir;
    }

    private void build() {
        try {
            Exec.run("ip", "netns", "add", bridgeNs);
        } catch (IllegalStateException e) {
            // The first step needs what all the others need: root, network namespaces and iproute2.
            throw new DemoSetupException("cannot create the network namespace " + bridgeNs + " (a sandbox needs root, "
                    + "network namespaces and iproute2): " + Exec.oneLine(String.valueOf(e.getMessage())));
        }
        namespaces.add(bridgeNs);
        Exec.run("ip", "-n", bridgeNs, "link", "add", "br0", "type", "bridge");
        ipv6Off(bridgeNs);
        Exec.run("ip", "-n", bridgeNs, "link", "set", "br0", "up");
        host(clientNs, tag + "c", CLIENT, "c");
        host(balancerNs, balancerIf, BALANCER, "l");
        for (int i = 0; i < backends.size(); i++) {
            Backend b = backends.get(i);
            host(b.ns, tag + "b" + (i + 1), b.address, "b" + (i + 1));
            Exec.run(Exec.inNetns(b.ns, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"));
            Exec.run("ip", "-n", b.ns, "addr", "add", VIP + "/32", "dev", "lo");
            content(b);
        }
        // Small socket buffers at both ends of a download: a rate-limited client then holds its
        // connection for the whole transfer, instead of the kernel buffering most of the file at once.
        Exec.run(Exec.inNetns(clientNs, "sysctl", "-qw", "net.ipv4.tcp_rmem=4096 32768 65536"));
        for (Backend b : backends) {
            Exec.run(Exec.inNetns(b.ns, "sysctl", "-qw", "net.ipv4.tcp_wmem=4096 16384 65536"));
        }
        // The client reaches the VIP through the balancer; the balancer host does not own it.
        Exec.run("ip", "-n", clientNs, "route", "add", VIP + "/32", "via", BALANCER);
    }

    private void host(String ns, String ifname, String address, String port) {
        Exec.run("ip", "netns", "add", ns);
        namespaces.add(ns);
        String bridgePort = "p" + tag + port;
        Exec.run("ip", "-n", bridgeNs, "link", "add", bridgePort, "type", "veth", "peer", "name", ifname, "netns", ns);
        Exec.run("ip", "-n", bridgeNs, "link", "set", bridgePort, "master", "br0");
        Exec.run("ip", "-n", bridgeNs, "link", "set", bridgePort, "up");
        ipv6Off(ns);
        Exec.run("ip", "-n", ns, "addr", "add", address + "/24", "dev", ifname);
        Exec.run("ip", "-n", ns, "link", "set", "lo", "up");
        Exec.run(Exec.inNetns(ns, "ethtool", "-K", ifname, "tx", "off"));
        Exec.run("ip", "-n", ns, "link", "set", ifname, "up");
    }

    private static void ipv6Off(String ns) {
        Exec.run(Exec.inNetns(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"));
    }

    private static void content(Backend b) {
        try {
            Files.createDirectories(b.root);
            Files.writeString(b.root.resolve("who"), b.name + "\n", StandardCharsets.UTF_8);
            Files.writeString(b.root.resolve("healthz"), "ok\n", StandardCharsets.UTF_8);
            String line = b.name + " " + "x".repeat(61) + "\n"; // 64 bytes
            Files.writeString(b.root.resolve("big"), line.repeat(BIG_BYTES / line.length()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the content of " + b.name + ": " + e.getMessage(), e);
        }
    }

    /** Starts {@code b}'s HTTP server (output discarded). */
    void startServer(Backend b) {
        synchronized (b) {
            if (b.serving()) {
                return;
            }
            try {
                b.server = new ProcessBuilder(Exec.background(b.ns, "python3", "-m", "http.server", Integer.toString(PORT),
                        "--bind", "0.0.0.0", "--directory", b.root.toString()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new DemoSetupException("cannot start python3 (the backends' HTTP server): " + e.getMessage());
            }
        }
    }

    /** Stops {@code b}'s HTTP server as a crash would: its connections reset, its port closed. */
    void stopServer(Backend b) {
        Process p;
        synchronized (b) {
            p = b.server;
            b.server = null;
        }
        if (p != null) {
            Exec.kill(p);
        }
    }

    /** Waits until {@code b} answers the client on its own address. */
    void awaitServing(Backend b, long timeoutMillis, BooleanSupplier cancelled) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String url = "http://" + b.address + "/who";
        while (true) {
            try {
                if (Exec.run(Exec.inNetns(clientNs, "curl", "-s", "--fail", "--max-time", "2", url)).strip().equals(b.name)) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            synchronized (b) {
                if (b.server == null || !b.server.isAlive()) {
                    throw new DemoSetupException("the HTTP server of backend " + b.name + " (python3 -m http.server) ended "
                            + "before it served " + url);
                }
            }
            if (cancelled.getAsBoolean()) {
                throw new DemoSetupException(STOPPED);
            }
            if (System.nanoTime() > deadline) {
                throw new DemoSetupException("backend " + b.name + " did not answer " + url + " within "
                        + timeoutMillis / 1000 + " s");
            }
            pause(100);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts {@code command} in the client's namespace, stdout and stderr merged. */
    Process startInClient(String... command) throws IOException {
        return new ProcessBuilder(Exec.background(clientNs, command)).redirectErrorStream(true).start();
    }

    @Override
    public void close() {
        for (Backend b : backends) {
            stopServer(b);
        }
        String present;
        try {
            present = Exec.run("ip", "netns", "list");
        } catch (RuntimeException e) {
            present = "";
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            String ns = namespaces.get(i);
            if (present.lines().anyMatch(l -> l.equals(ns) || l.startsWith(ns + " "))) {
                killAllIn(ns);
                Exec.runQuietly("ip", "netns", "del", ns);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("sluice demo: cannot remove " + dir + ": " + e.getMessage());
        }
    }

    /** Kills whatever still runs in {@code ns} (what the demo started there ends before; this is the backstop). */
    private static void killAllIn(String ns) {
        String pids;
        try {
            pids = Exec.run("ip", "netns", "pids", ns);
        } catch (RuntimeException e) {
            return;
        }
        for (String pid : pids.strip().split("\\s+")) {
            if (!pid.isEmpty()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
