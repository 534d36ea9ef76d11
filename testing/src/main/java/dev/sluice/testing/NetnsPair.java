package dev.sluice.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throw-away two-host network: namespaces {@code <name>-a} and {@code <name>-b} joined by a veth
 * pair {@link #ifA} / {@link #ifB}, with IPv4 addresses (by default 10.200.N.1/24 and 10.200.N.2/24)
 * and, when asked, IPv6 ones. Names carry the pid and a sequence number, so parallel runs do not
 * collide, and nothing of it touches the host's own namespace. {@link #close()} kills every process
 * still running in either namespace (whoever started it) and deletes both namespaces, which deletes the veth pair and any XDP program on it:
 * use it in try-with-resources so a failing test still cleans up. Built with iproute2.
 */
public final class NetnsPair implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    public final String nsA;
    public final String nsB;
    public final String ifA;
    public final String ifB;
    public final String ipA;
    public final String ipB;
    /** IPv6 addresses, or null when the pair runs without IPv6 (the default). */
    public final String ip6A;
    public final String ip6B;
    private final List<Process> processes = new ArrayList<>();
    private String macA;
    private String macB;

    private NetnsPair(Spec spec, String name, String tag) {
        this.nsA = name + "-a";
        this.nsB = name + "-b";
        this.ifA = tag + "a";
        this.ifB = tag + "b";
        this.ipA = spec.ipA;
        this.ipB = spec.ipB;
        this.ip6A = spec.ip6A;
        this.ip6B = spec.ip6B;
    }

    /** A single-queue pair with default IPv4 addresses and no IPv6, named after {@code purpose}. */
    public static NetnsPair create(String purpose) {
        return spec(purpose).create();
    }

    /** A pair to be configured before {@link Spec#create()}. */
    public static Spec spec(String purpose) {
        return new Spec(purpose);
    }

    /** How a pair is built: queues, addresses, offloads. */
    public static final class Spec {
        private final String purpose;
        private final int seq = SEQUENCE.incrementAndGet();
        private final long pid = ProcessHandle.current().pid();
        private int queues = 1;
        private String ipA;
        private String ipB;
        private String ip6A;
        private String ip6B;
        private boolean txChecksumOffload = true;

        private Spec(String purpose) {
            this.purpose = purpose;
            int subnet = (int) ((pid * 31 + seq) % 250) + 1;
            this.ipA = "10.200." + subnet + ".1";
            this.ipB = "10.200." + subnet + ".2";
        }

        /** RX/TX queues of each veth end (1, the default, is the usual single-queue veth). */
        public Spec queues(int n) {
            queues = n;
            return this;
        }

        /** IPv4 addresses of the two ends (each in a /24). */
        public Spec ipv4(String a, String b) {
            ipA = a;
            ipB = b;
            return this;
        }

        /** IPv6 addresses of the two ends (each in a /64, no duplicate address detection). */
        public Spec ipv6(String a, String b) {
            ip6A = a;
            ip6B = b;
            return this;
        }

        /**
         * Switches transmit checksum offload off on both ends ({@code ethtool -K tx off gro off}, which
         * also turns off TSO/GSO), so the kernel computes every checksum in software before a frame
         * reaches a capture: a veth never finishes a CHECKSUM_PARTIAL checksum.
         */
        public Spec softwareChecksums() {
            txChecksumOffload = false;
            return this;
        }

        public NetnsPair create() {
            String tag = "sl" + Long.toString(pid % 1_000_000, 36) + Integer.toString(seq, 36);
            NetnsPair pair = new NetnsPair(this, "sluice-" + purpose + "-" + pid + "-" + seq, tag);
            try {
                pair.build(queues, txChecksumOffload);
            } catch (RuntimeException e) {
                pair.close();
                throw e;
            }
            return pair;
        }
    }

    private void build(int queues, boolean txChecksumOffload) {
        Commands.run("ip", "netns", "add", nsA);
        Commands.run("ip", "netns", "add", nsB);
        List<String> add = new ArrayList<>(List.of("ip", "-n", nsA, "link", "add", ifA));
        if (queues > 1) {
            add.addAll(List.of("numtxqueues", "" + queues, "numrxqueues", "" + queues));
        }
        add.addAll(List.of("type", "veth", "peer", "name", ifB, "netns", nsB));
        if (queues > 1) {
            add.addAll(List.of("numtxqueues", "" + queues, "numrxqueues", "" + queues));
        }
        Commands.run(add.toArray(String[]::new));
        for (String[] side : new String[][] {{nsA, ifA, ipA, ip6A}, {nsB, ifB, ipB, ip6B}}) {
            if (side[3] == null) {
                // No IPv6: router solicitations and MLD reports would be stray packets.
                exec(side[0], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            } else {
                exec(side[0], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
                        "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
                Commands.run("ip", "-n", side[0], "addr", "add", side[3] + "/64", "dev", side[1], "nodad");
            }
            Commands.run("ip", "-n", side[0], "addr", "add", side[2] + "/24", "dev", side[1]);
            Commands.run("ip", "-n", side[0], "link", "set", "lo", "up");
            if (!txChecksumOffload) {
                exec(side[0], "ethtool", "-K", side[1], "tx", "off", "gro", "off");
            }
            Commands.run("ip", "-n", side[0], "link", "set", side[1], "up");
        }
        macA = mac(nsA, ifA);
        macB = mac(nsB, ifB);
    }

    private static String mac(String ns, String ifname) {
        String out = Commands.run("ip", "-n", ns, "-o", "link", "show", "dev", ifname);
        int at = out.indexOf("link/ether ");
        if (at < 0) {
            throw new IllegalStateException("no MAC address in: " + out);
        }
        return out.substring(at + 11, at + 28);
    }

    /** A's MAC address, {@code aa:bb:cc:dd:ee:ff}. */
    public String macA() {
        return macA;
    }

    public String macB() {
        return macB;
    }

    /**
     * Makes each side reach the other's IPv4 address without ARP (needed while a redirect-all
     * program on A takes ARP requests away from A's kernel).
     */
    public void staticNeighbours() {
        Commands.run("ip", "-n", nsB, "neigh", "replace", ipA, "lladdr", macA, "dev", ifB, "nud", "permanent");
        Commands.run("ip", "-n", nsA, "neigh", "replace", ipB, "lladdr", macB, "dev", ifA, "nud", "permanent");
    }

    /** The kernel's packet counters of {@code ifname} in {@code ns} (rx, tx, drops) as {@code ip -s link} prints them. */
    public String linkStatistics(String ns, String ifname) {
        return Commands.run("ip", "-n", ns, "-s", "link", "show", "dev", ifname);
    }

    /** One of the kernel's counters of an interface, e.g. {@code rx_packets}, from sysfs inside {@code ns}. */
    public long linkCounter(String ns, String ifname, String counter) {
        return Long.parseLong(exec(ns, "cat", "/sys/class/net/" + ifname + "/statistics/" + counter).trim());
    }

    /** Runs a command in namespace {@code ns} and returns its output; fails on a non-zero exit. */
    public String exec(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return Commands.run(c.toArray(String[]::new));
    }

    /** Starts a long-running command in {@code ns} (stdout piped, stderr piped); close() stops it. */
    public Process start(String ns, String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        Process p = new ProcessBuilder(c).start();
        processes.add(p);
        return p;
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
        deleteIfPresent(nsA);
        deleteIfPresent(nsB);
    }

    private static void deleteIfPresent(String ns) {
        if (Commands.run("ip", "netns", "list").lines().anyMatch(l -> l.equals(ns) || l.startsWith(ns + " "))) {
            killEveryProcessIn(ns);
            Commands.runQuietly("ip", "netns", "del", ns);
        }
    }

    /**
     * Kills whatever still runs in {@code ns}, also processes a failed test started without
     * {@link #start} (e.g. a {@code sluice fwd} it meant to stop with Ctrl-C): deleting a namespace
     * does not stop its processes, and a forgotten busy-polling one would load the machine for hours.
     */
    private static void killEveryProcessIn(String ns) {
        for (String pid : Commands.run("ip", "netns", "pids", ns).strip().split("\\s+")) {
            if (!pid.isEmpty()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
                    h.destroyForcibly();
                    h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> h).join();
                });
            }
        }
    }
}
