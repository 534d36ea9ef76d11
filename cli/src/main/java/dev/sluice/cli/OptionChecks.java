package dev.sluice.cli;

import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.sys.Privileges;
import dev.sluice.umem.UmemConfig;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.stream.Collectors;

/**
 * Every rule a command-line value must meet, checked before a command sets anything up (no
 * sandbox built, no file opened for writing, no socket bound). A value that breaks one ends the
 * command with a {@link Main.UserError}: one line that names the option, the valid range and the
 * value given. Whatever fails after these checks is a failure of the system or of Sluice itself.
 */
final class OptionChecks {
    /** Most forwarding threads {@code fwd} starts. */
    static final int MAX_WORKERS = 64;
    /** Most packets in one burst. */
    static final int MAX_BATCH = 1024;
    /** Frame sizes on the wire, FCS included: the UDP generator's, and the demo's (whose payload carries a sequence number). */
    static final int MIN_GEN_FRAME = 46;
    static final int MIN_DEMO_FRAME = 64;
    static final int MAX_FRAME = 1518;
    /** Most HTTP requests a second the demo's client starts (curl processes of 10 each on a small machine). */
    static final int MAX_DEMO_RATE = 200;
    static final int MAX_DEMO_DOWNLOADS = 16;
    /** Shortest period of the demo's backend stops: detection (up to 3 s) and return (2 s) fit in each half. */
    static final int MIN_FLAP_SECONDS = 8;
    /** Ethernet + IPv4 + UDP headers and the FCS: a frame's bytes besides the UDP payload. */
    static final int FRAME_OVERHEAD = 14 + 20 + 8 + 4;

    private OptionChecks() {
    }

    // ------------------------------------------------------------------ fwd

    /** Checks {@code sluice fwd}'s options; may resolve the pcap driver's frame size from the capture. */
    static void fwd(FwdCommand c) {
        ForwardSession.Driver driver = c.driver();
        CommandLine.ParseResult given = c.spec.commandLine().getParseResult();
        copyMode(c.port.copyMode);
        mode(c.mode);
        nonNegative("--duration", c.duration, "0: until Ctrl-C");
        nonNegative("--warmup-ms", c.warmUpMillis, "0: off");
        range("--batch", c.batch, 1, MAX_BATCH);
        if (given.hasMatchedOption("--workers")) {
            range("--workers", c.workers, 1, MAX_WORKERS);
        }
        if (c.frameSize != 2048 && c.frameSize != 4096) {
            throw new Main.UserError("--frame-size must be 2048 or 4096, not " + c.frameSize);
        }
        queues(driver, c.queues, given.hasMatchedOption("--queue"));
        c.rings.check(c.queues.length);
        int ports = driver == ForwardSession.Driver.AFXDP ? c.queues.length : 1;
        cpus(c.port.cpus(), Math.max(ports, c.workers), CpuSet.allowed());
        if (c.metrics != null) {
            MetricsServer.parse(c.metrics); // its UserError names --metrics and the format
        }
        if (c.truncate && driver != ForwardSession.Driver.PCAP) {
            throw new Main.UserError("--truncate belongs to --driver pcap");
        }
        if (driver == ForwardSession.Driver.PCAP) {
            PcapInput.Plan plan = PcapInput.plan(Path.of(c.pcapIn), c.pcapOut == null ? null : Path.of(c.pcapOut),
                    c.frameSize, given.hasMatchedOption("--frame-size"), c.truncate);
            c.frameSize = plan.frameSize();
            if (plan.notice() != null) {
                System.err.println("sluice: " + plan.notice());
            }
        }
    }

    private static void queues(ForwardSession.Driver driver, int[] queues, boolean given) {
        if (given && (driver == ForwardSession.Driver.PCAP || driver == ForwardSession.Driver.MEMORY)) {
            throw new Main.UserError("--queue belongs to --driver afxdp: --driver " + driver.name().toLowerCase()
                    + " has a single input");
        }
        if (given && driver == ForwardSession.Driver.AFPACKET && !(queues.length == 1 && queues[0] == 0)) {
            // Accepted as 0 for scripts that pass the same options to both kernel drivers.
            throw new Main.UserError("--driver afpacket receives from every queue of the interface: --queue "
                    + Arrays.stream(queues).mapToObj(Integer::toString).collect(Collectors.joining(","))
                    + " cannot be chosen (--driver afxdp can)");
        }
        BitSet seen = new BitSet();
        for (int q : queues) {
            if (q < 0) {
                throw new Main.UserError("--queue must be 0 or more, not " + q);
            }
            if (seen.get(q)) {
                throw new Main.UserError("--queue names queue " + q + " twice");
            }
            seen.set(q);
        }
    }

    // ------------------------------------------------------------------ gen

    /** Checks {@code sluice gen}'s options. */
    static void gen(GenCommand c) {
        copyMode(c.copyMode);
        range("--size", c.size, MIN_GEN_FRAME, MAX_FRAME, " (frame incl. FCS)");
        range("--src-port", c.srcPort, 1, 65535);
        range("--dst-port", c.dstPort, 1, 65535);
        int maxFlows = 65536 - c.srcPort;
        range("--flows", c.flows, 1, maxFlows, " (source ports from --src-port " + c.srcPort + " up to 65535)");
        nonNegative("--rate", c.rate, "0: as fast as possible");
        nonNegative("--count", c.count, "0: no limit");
        nonNegative("--duration", c.duration, "0: until Ctrl-C or --count");
        range("--batch", c.batch, 1, MAX_BATCH);
        if (c.queue < 0) {
            throw new Main.UserError("--queue must be 0 or more, not " + c.queue);
        }
        if (c.cpu != null) {
            cpus(new int[] {c.cpu}, 1, CpuSet.allowed());
        }
        mac("--dst-mac", c.dstMac);
        if (c.srcMac != null) {
            mac("--src-mac", c.srcMac);
        }
        ipv4("--src-ip", c.srcIp);
        ipv4("--dst-ip", c.dstIp);
    }

    // ------------------------------------------------------------------ demo

    /** Checks {@code sluice demo}'s options and that this process may build a sandbox; returns the UDP payload size. */
    static int demo(DemoCommand c) {
        if (!(c.duration > 0)) {
            throw new Main.UserError("--duration must be more than 0 seconds, not " + c.duration);
        }
        mode(c.mode);
        range("--size", c.frameSize, MIN_DEMO_FRAME, MAX_FRAME, " (frame incl. FCS)");
        sandboxPossible();
        return c.frameSize - FRAME_OVERHEAD;
    }

    /** Checks the load-balancer demo's options and that this process may build a sandbox. */
    static void demoLb(DemoCommand c) {
        if (!(c.duration > 0)) {
            throw new Main.UserError("--duration must be more than 0 seconds, not " + RateReport.plain(c.duration));
        }
        // The UDP demonstration's options, checked as there, then refused here.
        mode(c.mode);
        range("--size", c.frameSize, MIN_DEMO_FRAME, MAX_FRAME, " (frame incl. FCS)");
        for (String udpOnly : new String[] {"--mode", "--size"}) {
            if (c.given(udpOnly)) {
                throw new Main.UserError(udpOnly + " belongs to --udp (the AF_XDP UDP demonstration)");
            }
        }
        range("--rate", c.rate, 1, MAX_DEMO_RATE);
        range("--downloads", c.downloads, 0, MAX_DEMO_DOWNLOADS);
        if (!(c.flapEvery == 0 || c.flapEvery >= MIN_FLAP_SECONDS)) {
            throw new Main.UserError("--flap-every must be 0 (off) or at least " + MIN_FLAP_SECONDS + " seconds (the balancer "
                    + "needs about 3 s to notice a stop, 2 to take the backend back), not " + RateReport.plain(c.flapEvery));
        }
        if (!(c.reloadEvery == 0 || c.reloadEvery >= 1)) {
            throw new Main.UserError("--reload-every must be 0 (off) or at least 1 second, not " + RateReport.plain(c.reloadEvery));
        }
        sandboxPossible();
    }

    /** The load-balancer demo's options have no meaning with {@code --udp}. */
    static void demoUdpOnly(DemoCommand c) {
        for (String lbOnly : new String[] {"--rate", "--flap-every", "--reload-every", "--downloads"}) {
            if (c.given(lbOnly)) {
                throw new Main.UserError(lbOnly + " belongs to the load-balancer demo, not to --udp");
            }
        }
    }

    /**
     * The demo creates network namespaces and a veth pair and attaches an XDP program: it needs
     * root's capabilities and a kernel with network namespaces. Checked before anything is built.
     */
    static void sandboxPossible() {
        String missing = Privileges.missingForAfXdp();
        for (int cap : new int[] {Privileges.CAP_SYS_ADMIN, Privileges.CAP_NET_ADMIN}) {
            String name = cap == Privileges.CAP_SYS_ADMIN ? "CAP_SYS_ADMIN" : "CAP_NET_ADMIN";
            if (!Privileges.has(cap) && !missing.contains(name)) {
                missing = (missing + " " + name).strip();
            }
        }
        if (!missing.isEmpty()) {
            throw new Main.UserError("sluice demo needs root: it creates network namespaces and a veth pair and attaches "
                    + "an XDP program (missing " + missing + "); run it with sudo");
        }
        if (!Files.exists(Path.of("/proc/self/ns/net"))) {
            throw new Main.UserError("sluice demo needs network namespaces, and this kernel has none (CONFIG_NET_NS)");
        }
    }

    // ------------------------------------------------------------------ shared rules

    /**
     * Each CPU must be one this process may run on, named once, at most one per thread.
     *
     * @param threads the polling threads the CPUs are for
     */
    static void cpus(int[] cpus, int threads, CpuSet allowed) {
        if (cpus == null) {
            return;
        }
        BitSet seen = new BitSet();
        for (int cpu : cpus) {
            if (!allowed.contains(cpu)) {
                throw new Main.UserError("--cpu " + cpu + " is not a CPU this process may run on (allowed: " + allowed + ")");
            }
            if (seen.get(cpu)) {
                throw new Main.UserError("--cpu names CPU " + cpu + " twice: each polling thread needs a CPU of its own");
            }
            seen.set(cpu);
        }
        if (cpus.length > threads) {
            throw new Main.UserError("--cpu names " + cpus.length + " CPUs for " + threads + " polling thread"
                    + (threads == 1 ? "" : "s") + " (one per queue, or --workers): give at most " + threads);
        }
    }

    static void range(String option, long value, long min, long max) {
        range(option, value, min, max, "");
    }

    static void range(String option, long value, long min, long max, String meaning) {
        if (value < min || value > max) {
            throw new Main.UserError(option + " must be in " + min + ".." + max + meaning + ", not " + value);
        }
    }

    static void nonNegative(String option, double value, String zero) {
        if (!(value >= 0)) {
            throw new Main.UserError(option + " must be 0 or more (" + zero + "), not " + RateReport.plain(value));
        }
    }

    static ForwardMode mode(String mode) {
        try {
            return ForwardMode.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new Main.UserError("unknown --mode '" + mode + "' (rxonly, io, macswap, 5tswap)");
        }
    }

    private static void copyMode(CopyModeOptions options) {
        options.copyMode();
    }

    /** A MAC address like {@code 02:00:00:00:00:01}. */
    static byte[] mac(String option, String text) {
        try {
            byte[] b = java.util.HexFormat.ofDelimiter(":").parseHex(text.toLowerCase());
            if (b.length == 6) {
                return b;
            }
        } catch (IllegalArgumentException ignored) {
            // not hex: the message below says what is wanted
        }
        throw new Main.UserError(option + " '" + text + "' is not a MAC address like 02:00:00:00:00:01");
    }

    /** An IPv4 address in dotted decimal, as an int in network order. */
    static int ipv4(String option, String text) {
        try {
            if (java.net.InetAddress.ofLiteral(text) instanceof java.net.Inet4Address v4) {
                byte[] b = v4.getAddress();
                return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            }
        } catch (IllegalArgumentException ignored) {
            // not an address literal: the message below says what is wanted
        }
        throw new Main.UserError(option + " '" + text + "' is not an IPv4 address");
    }

    /** Bytes of packet data a frame of {@code frameSize} holds (fwd configures no extra headroom). */
    static int frameRoom(int frameSize) {
        return frameSize - UmemConfig.KERNEL_HEADROOM;
    }
}
