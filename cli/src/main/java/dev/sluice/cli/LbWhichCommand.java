package dev.sluice.cli;

import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.lb.dataplane.FlowSelector;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sluice lb which}: the backend a flow goes to, computed by the data plane's own code
 * ({@link FlowSelector}) from the configuration alone, as a fresh balancer would choose it (no
 * connection table: an established flow keeps the backend it had, even when this answer changed).
 */
@Command(name = "which", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Tell which VIP and backend a flow goes to.",
        description = {"Prints one line per flow: 'FLOW vip=NAME backend=ADDRESS', 'FLOW vip=none' when no VIP takes "
                + "it, or 'FLOW vip=NAME backend=none' when no backend of the VIP takes new flows.",
                "FLOW is PROTO:SRC:SPORT:DST:DPORT (PROTO tcp, udp or a number; IPv6 in brackets), e.g.",
                "  tcp:192.0.2.7:40000:10.0.0.100:80",
                "  udp:[2001:db8::7]:5353:[2001:db8::100]:53",
                "The answer is the backend a balancer started now with this configuration gives a new flow, assuming "
                + "every backend's MAC address is known (the running balancer gives no new flows to a DSR backend whose "
                + "MAC it cannot resolve). The interface need not exist here.",
                "Exit code 2 when a flow cannot be read; each such line is reported with its line number, the others "
                + "are answered."})
final class LbWhichCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration (YAML).")
    Path config;

    @Option(names = "--flow", paramLabel = "FLOW", description = "One flow, PROTO:SRC:SPORT:DST:DPORT (repeatable).")
    List<String> flows;

    @Option(names = "--flows", paramLabel = "FILE", description = "Flows, one a line ('-': standard input; '#' starts a comment).")
    Path flowsFile;

    @Override
    public Integer call() throws IOException {
        if ((flows == null || flows.isEmpty()) && flowsFile == null) {
            throw new Main.UserError("sluice lb which needs --flow FLOW or --flows FILE (see 'sluice lb which --help')");
        }
        // The interface is where the balancer runs, not where this question is asked.
        LbConfig lbConfig = LbConfigLoader.load(config, name -> true);
        LbTables tables = tables(lbConfig);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        int bad = 0;
        if (flows != null) {
            for (String f : flows) {
                FlowSpec flow;
                try {
                    flow = FlowSpec.parse(f);
                } catch (IllegalArgumentException e) {
                    throw new Main.UserError("--flow '" + f + "': " + e.getMessage());
                }
                out.println(answer(tables, flow));
            }
        }
        if (flowsFile != null) {
            bad += answerFile(tables, out);
        }
        out.flush();
        return bad == 0 ? 0 : 2;
    }

    private int answerFile(LbTables tables, PrintStream out) throws IOException {
        boolean stdin = flowsFile.toString().equals("-");
        String name = stdin ? "<stdin>" : flowsFile.toString();
        int bad = 0;
        try (BufferedReader r = stdin
                ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(flowsFile, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                int hash = line.indexOf('#');
                String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (text.isEmpty()) {
                    continue;
                }
                try {
                    out.println(answer(tables, FlowSpec.parse(text)));
                } catch (IllegalArgumentException e) {
                    bad++;
                    out.flush();
                    System.err.println("sluice: " + name + ":" + number + ": '" + text + "': " + e.getMessage());
                }
            }
        } catch (NoSuchFileException e) {
            throw new Main.UserError("--flows " + name + ": no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new Main.UserError("--flows " + name + ": not UTF-8 text");
        }
        return bad;
    }

    static String answer(LbTables tables, FlowSpec flow) {
        FlowSelector.Choice c = FlowSelector.which(tables, flow.protocol(), flow.source(), flow.sourcePort(),
                flow.destination(), flow.destinationPort());
        if (c.vip() == null) {
            return flow + " vip=none";
        }
        return flow + " vip=" + c.vip() + " backend=" + (c.hasBackend() ? FlowSpec.text(c.backend()) : "none");
    }

    /**
     * The tables a balancer with this configuration would start with, had it every MAC: which
     * backend a flow gets depends on neither MACs nor outer addresses, so placeholders stand in.
     */
    static LbTables tables(LbConfig config) {
        long placeholderMac = 0x02_00_00_00_00_01L;
        return new LbTablesBuilder().build(config, placeholderMac, 1500, (target, mode) -> placeholderMac,
                List.of(InetAddress.ofLiteral("192.0.2.1"), InetAddress.ofLiteral("2001:db8::1")));
    }
}
