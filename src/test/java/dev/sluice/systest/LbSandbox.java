package dev.sluice.systest;

import dev.sluice.testing.Await;
import dev.sluice.testing.Commands;
import dev.sluice.testing.Privileged;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The L2 direct-server-return sandbox: one Ethernet segment (a Linux bridge in a namespace of its
 * own) joining a client, the balancer host and {@code n} backends, each in its own namespace by a
 * veth pair. The balancer's interface is its veth end inside its namespace (XDP attaches there,
 * never to the bridge).
 *
 * <pre>
 *   client 10.7.0.2 / fd07::2 ---+
 *   balancer 10.7.0.3 / fd07::3 -+-- bridge (namespace "...-br")
 *   backend i 10.7.0.(10+i) -----+     VIPs 10.7.100.1 and fd07:100::1, held by nobody on the wire
 * </pre>
 *
 * The client routes the VIPs via the balancer's address; {@link #startBackends} makes each backend
 * hold the VIPs on {@code lo} ({@code arp_ignore=1}, {@code arp_announce=2}, IPv6 {@code nodad}) and
 * serve {@code /who} (its own name) with {@code python3 -m http.server}, so it answers the client
 * directly. Transmit checksum offload is off on the hosts' veths (a veth leaves partial checksums
 * that a wire would never carry). Addresses are the same in every sandbox: each is its own segment
 * in namespaces of its own; names carry the pid and a sequence number.
 *
 * <p>{@link #startBalancer} runs {@code sluice lb} on the balancer's interface from a configuration
 * written here ({@link #config}, {@link #dsrVip}); {@link #startEchoServers} and
 * {@link #openStreams} give it long-lived TCP connections to carry. {@link #close()} closes those
 * connections and servers, stops every process started here and deletes every namespace, even
 * after a failure.
 */
final class LbSandbox implements AutoCloseable {
    static final String VIP4 = "10.7.100.1";
    static final String VIP6 = "fd07:100::1";
    static final String CLIENT4 = "10.7.0.2";
    static final String CLIENT6 = "fd07::2";
    static final String LB4 = "10.7.0.3";
    static final String LB6 = "fd07::3";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    final String bridgeNs;
    final String clientNs;
    final String lbNs;
    final List<String> backendNs = new ArrayList<>();
    /** The balancer's interface name (in {@link #lbNs}). */
    final String lbIf;
    final String clientIf;
    final List<String> backendIf = new ArrayList<>();
    private final String tag;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    /** Backend i's HTTP server at index i - 1. */
    private final List<Process> httpServers = new ArrayList<>();
    private final List<EchoServer> echoServers = new ArrayList<>();
    /** Every stream opened by {@link #openStream}, stream i at index i (its id). */
    private final List<EchoStream> streams = new ArrayList<>();
    private final Path dir;

    private final int balancerQueues;

    private LbSandbox(String purpose, int backends, int balancerQueues) throws IOException {
        this.balancerQueues = balancerQueues;
        long pid = ProcessHandle.current().pid();
        int seq = SEQUENCE.incrementAndGet();
        String name = "sluice-lb" + purpose + "-" + pid + "-" + seq;
        tag = "lb" + Long.toString(pid % 1_000_000, 36) + Integer.toString(seq, 36);
        bridgeNs = name + "-br";
        clientNs = name + "-client";
        lbNs = name + "-lb";
        lbIf = tag + "l";
        clientIf = tag + "c";
        for (int i = 1; i <= backends; i++) {
            backendNs.add(name + "-b" + i);
            backendIf.add(tag + "b" + i);
        }
        dir = Files.createTempDirectory("sluice-" + name);
    }

    /** Builds the segment: bridge, client, balancer host and {@code backends} backend hosts. */
    static LbSandbox create(String purpose, int backends) throws IOException {
        return create(purpose, backends, 1);
    }

    /**
     * As above, the balancer's veth (both ends) with {@code balancerQueues} RX and TX queues: the
     * bridge's end spreads flows over its TX queues by hash, and each lands on the RX queue of the
     * same number.
     */
    static LbSandbox create(String purpose, int backends, int balancerQueues) throws IOException {
        LbSandbox box = new LbSandbox(purpose, backends, balancerQueues);
        try {
            box.build();
        } catch (RuntimeException e) {
            box.close();
            throw e;
        }
        return box;
    }

    /** What a test of this sandbox with serving backends needs (else it fails in CI, is skipped elsewhere): namespaces, curl, python3, ethtool. */
    static void requirePrivileges() {
        Privileged.requireNamespaces("runs a balancer, a client and backends in network namespaces");
        for (String tool : List.of("curl", "python3", "ethtool")) {
            Privileged.requireTool(tool, "runs HTTP clients and servers through the balancer");
        }
    }

    static String backend4(int i) {
        return "10.7.0." + (10 + i);
    }

    static String backend6(int i) {
        return "fd07::" + (10 + i);
    }

    /** A directory removed with the sandbox (configuration files, captures). */
    Path dir() {
        return dir;
    }

    /** Backend number -> weight, in the order given: {@code weights(1, 3, 2, 1)} is b1 weight 3, b2 weight 1. */
    static Map<Integer, Integer> weights(int... backendWeightPairs) {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < backendWeightPairs.length; i += 2) {
            m.put(backendWeightPairs[i], backendWeightPairs[i + 1]);
        }
        return m;
    }

    /** The balancer's configuration: its interface and the {@code vips} ({@link #dsrVip}), in that order. */
    String config(String... vips) {
        return "interface: " + lbIf + "\nvips:\n" + String.join("", vips);
    }

    /** As {@link #dsrVip(String, String, int, Map, String)}, not checked. */
    static String dsrVip(String name, String address, int port, Map<Integer, Integer> backends) {
        return dsrVip(name, address, port, backends, null);
    }

    /**
     * One entry of a configuration's {@code vips}: TCP VIP {@code name} at {@code address:port},
     * direct server return, over {@code backends} (backend number -> weight; the backends' IPv6
     * addresses for an IPv6 VIP), health-checked by {@code health} (a YAML flow map) unless null.
     * Its key {@code port} is on its fourth line, {@code protocol} on its third.
     */
    static String dsrVip(String name, String address, int port, Map<Integer, Integer> backends, String health) {
        StringBuilder sb = new StringBuilder("""
                  - name: %s
                    address: %s
                    protocol: tcp
                    port: %d
                    forwarding: dsr
                """.formatted(name, address, port));
        if (health != null) {
            sb.append("    health: ").append(health).append('\n');
        }
        sb.append("    backends:\n");
        boolean ipv6 = address.contains(":");
        backends.forEach((b, w) -> sb.append("      - {address: ").append(ipv6 ? backend6(b) : backend4(b))
                .append(", weight: ").append(w).append("}\n"));
        return sb.toString();
    }

    /** The balancer's configuration file: {@code lb.yaml} in {@link #dir()}. */
    Path configFile() {
        return dir.resolve("lb.yaml");
    }

    /** Writes {@code config} to the balancer's {@link #configFile()}; returns that file. */
    Path writeConfig(String config) throws IOException {
        Files.writeString(configFile(), config);
        return configFile();
    }

    /**
     * Writes {@code config} ({@link #writeConfig}) and starts {@code sluice lb --config FILE ARGS} in
     * the balancer's namespace; returns once it runs (its program attached). The caller closes it.
     */
    LbProcess startBalancer(String config, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--config", writeConfig(config).toString()));
        all.addAll(List.of(args));
        LbProcess lb = LbProcess.start(lbNs, lbIf, all.toArray(String[]::new));
        try {
            return lb.awaitRunning();
        } catch (RuntimeException | Error e) {
            lb.close();
            throw e;
        }
    }

    /** Starts an {@link EchoServer} on {@code port} in every backend, backend i's named "b" + i; {@link #close()} closes them. */
    List<EchoServer> startEchoServers(int port) throws IOException {
        List<EchoServer> started = new ArrayList<>();
        for (int i = 1; i <= backendNs.size(); i++) {
            EchoServer s = EchoServer.start(backendNs.get(i - 1), "b" + i, port);
            echoServers.add(s);
            started.add(s);
        }
        return started;
    }

    /** Opens an {@link EchoStream} from the client to {@code vip:port}, its id the number opened before; {@link #close()} closes it. */
    EchoStream openStream(String vip, int port) throws IOException {
        EchoStream s = EchoStream.open(clientNs, vip, port, streams.size());
        streams.add(s);
        return s;
    }

    /**
     * Opens streams ({@link #openStream}) until there are at least {@code atLeast} and at least
     * {@code onBackend} of them reached {@code backend}; for the second, it stops at {@code atMost}
     * streams (the caller checks what it got). Returns the streams opened.
     */
    List<EchoStream> openStreams(String vip, int port, int atLeast, String backend, int onBackend, int atMost) throws IOException {
        List<EchoStream> opened = new ArrayList<>();
        while (opened.size() < atLeast
                || opened.stream().filter(s -> s.backend().equals(backend)).count() < onBackend && opened.size() < atMost) {
            opened.add(openStream(vip, port));
        }
        return opened;
    }

    /** {@code n} new connections from the client to {@code vip:port} ({@link EchoStream#probes}); empty when one failed. */
    Map<String, Integer> probesQuietly(String vip, int port, int n) {
        try {
            return EchoStream.probes(clientNs, vip, port, n);
        } catch (IOException e) {
            return Map.of();
        }
    }

    private void build() {
        addNamespace(bridgeNs);
        Commands.run("ip", "-n", bridgeNs, "link", "add", "br0", "type", "bridge");
        // The bridge only switches: no address, no IPv6 of its own (no stray router solicitations).
        sysctl(bridgeNs, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        Commands.run("ip", "-n", bridgeNs, "link", "set", "br0", "up");
        host(clientNs, clientIf, CLIENT4, CLIENT6, "c", 1);
        host(lbNs, lbIf, LB4, LB6, "l", balancerQueues);
        for (int i = 0; i < backendNs.size(); i++) {
            host(backendNs.get(i), backendIf.get(i), backend4(i + 1), backend6(i + 1), "b" + (i + 1), 1);
        }
        // The client reaches the VIPs through the balancer; the balancer host does not own them.
        Commands.run("ip", "-n", clientNs, "route", "add", VIP4 + "/32", "via", LB4);
        Commands.run("ip", "-n", clientNs, "-6", "route", "add", VIP6 + "/128", "via", LB6);
    }

    private void host(String ns, String ifname, String ip4, String ip6, String port, int queues) {
        addNamespace(ns);
        String bridgePort = "p" + tag + port;
        // Queues given explicitly are all in use; a veth without them allocates one per CPU and uses one.
        String q = Integer.toString(queues);
        Commands.run("ip", "-n", bridgeNs, "link", "add", bridgePort, "numtxqueues", q, "numrxqueues", q, "type", "veth",
                "peer", "name", ifname, "netns", ns, "numtxqueues", q, "numrxqueues", q);
        Commands.run("ip", "-n", bridgeNs, "link", "set", bridgePort, "master", "br0");
        Commands.run("ip", "-n", bridgeNs, "link", "set", bridgePort, "up");
        sysctl(ns, "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
                "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        Commands.run("ip", "-n", ns, "addr", "add", ip4 + "/24", "dev", ifname);
        Commands.run("ip", "-n", ns, "addr", "add", ip6 + "/64", "dev", ifname, "nodad");
        Commands.run("ip", "-n", ns, "link", "set", "lo", "up");
        exec(ns, "ethtool", "-K", ifname, "tx", "off");
        Commands.run("ip", "-n", ns, "link", "set", ifname, "up");
    }

    private void addNamespace(String ns) {
        Commands.run("ip", "netns", "add", ns);
        namespaces.add(ns);
    }

    private void sysctl(String ns, String... settings) {
        List<String> c = new ArrayList<>(List.of("sysctl", "-qw"));
        c.addAll(List.of(settings));
        exec(ns, c.toArray(String[]::new));
    }

    /**
     * Makes every backend a DSR backend of the VIPs: the VIPs on {@code lo}, no ARP answers for them,
     * and an HTTP server on port 80 (IPv4 and IPv6) whose {@code /who} names the backend
     * ({@code b1}, {@code b2}, ...). Returns once each answers the client on its own address.
     */
    void startBackends() throws IOException {
        for (int i = 0; i < backendNs.size(); i++) {
            String ns = backendNs.get(i);
            sysctl(ns, "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2");
            Commands.run("ip", "-n", ns, "addr", "add", VIP4 + "/32", "dev", "lo");
            Commands.run("ip", "-n", ns, "addr", "add", VIP6 + "/128", "dev", "lo", "nodad");
            Path root = Files.createDirectories(dir.resolve("www-b" + (i + 1)));
            Files.writeString(root.resolve("who"), "b" + (i + 1) + "\n", StandardCharsets.UTF_8);
            httpServers.add(null);
            startHttpServer(i + 1);
        }
        for (int i = 0; i < backendNs.size(); i++) {
            awaitHttpServer(i + 1);
        }
    }

    /** Starts backend {@code i}'s (1-based) HTTP server, stopped before by {@link #stopHttpServer}; returns once it serves. */
    void restartHttpServer(int i) throws IOException {
        startHttpServer(i);
        awaitHttpServer(i);
    }

    private void startHttpServer(int i) throws IOException {
        Path root = dir.resolve("www-b" + i);
        httpServers.set(i - 1, start(backendNs.get(i - 1), "python3", "-m", "http.server", "80", "--bind", "::", "--directory", root.toString()));
    }

    private void awaitHttpServer(int i) {
        String url4 = "http://" + backend4(i) + "/who";
        String url6 = "http://[" + backend6(i) + "]/who";
        String expected = "b" + i;
        Await.until(() -> expected.equals(curlQuietly(url4)) && expected.equals(curlQuietly(url6)), Duration.ofSeconds(60),
                "backend " + expected + " serving " + url4 + " and " + url6 + " to the client");
    }

    /**
     * Stops backend {@code i}'s (1-based) HTTP server as a crash would (SIGKILL); returns once its
     * port refuses connections. The backend host stays up, with its other servers.
     */
    void stopHttpServer(int i) throws InterruptedException {
        Process p = httpServers.get(i - 1);
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("backend b" + i + "'s HTTP server did not end");
        }
        String url = "http://" + backend4(i) + "/who";
        Await.until(() -> curlQuietly(url) == null, Duration.ofSeconds(30), "backend b" + i + " refusing " + url);
    }

    private String curlQuietly(String url) {
        try {
            return exec(clientNs, "curl", "-s", "--fail", "--max-time", "2", url).strip();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The MAC address of {@code ifname} in {@code ns}, {@code aa:bb:cc:dd:ee:ff}. */
    static String mac(String ns, String ifname) {
        String out = Commands.run("ip", "-n", ns, "-o", "link", "show", "dev", ifname);
        int at = out.indexOf("link/ether ");
        if (at < 0) {
            throw new IllegalStateException("no MAC address in: " + out);
        }
        return out.substring(at + 11, at + 28);
    }

    /** Runs a command in {@code ns}; returns its output; fails on a non-zero exit. */
    String exec(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return Commands.run(c.toArray(String[]::new));
    }

    /** Starts a long-running command in {@code ns} (output discarded); close() stops it. */
    Process start(String ns, String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** Whether an XDP program is attached to the balancer's interface. */
    boolean xdpAttached() {
        String link = Commands.run("ip", "-n", lbNs, "-d", "link", "show", "dev", lbIf);
        return link.contains("prog/xdp") || link.matches("(?s).*\\bxdp(generic|drv|offload)?\\b.*");
    }

    @Override
    public void close() {
        for (AutoCloseable c : streams) {
            closeQuietly(c);
        }
        for (AutoCloseable c : echoServers) {
            closeQuietly(c);
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String present = Commands.run("ip", "netns", "list");
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            String ns = namespaces.get(i);
            if (present.lines().anyMatch(l -> l.equals(ns) || l.startsWith(ns + " "))) {
                Commands.runQuietly("ip", "netns", "del", ns);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("clean-up failed: " + e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("clean-up failed: " + e);
        }
    }
}
