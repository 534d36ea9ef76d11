package dev.sluice.lb.maglev;

import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import dev.sluice.lb.dataplane.FlowSelector;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import dev.sluice.lb.dataplane.Vip;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order of backend lines in a file changes nothing: two balancers (two fresh table builders, as
 * after a restart) reading the same backends in different orders build the same Maglev tables and
 * send every flow to the same backend. Checked through the loader and the data plane's own table
 * builder and flow selector, for an IPv4 dsr VIP and an IPv6 gue VIP with backends of both families.
 */
class BackendOrderTest {
    private static final int BACKENDS = 100;

    private static List<String> backendLines(int vip) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < BACKENDS; i++) {
            String address = vip == 0 ? "10.1." + (i / 10) + "." + (i % 10 + 1)
                    : i % 2 == 0 ? "fd00:2::" + Integer.toHexString(i + 1) : "10.2.0." + (i + 1);
            lines.add("      - {address: " + address + ", weight: " + (1 + i % 7) * 10 + "}\n");
        }
        return lines;
    }

    private static LbConfig config(List<String> web, List<String> dns) {
        String yaml = "interface: eth0\n"
                + "encapsulation: {source-prefix-v4: 10.255.0.0/16, source-prefix-v6: fd00:ff::/64}\n"
                + "vips:\n"
                + "  - name: web\n    address: 10.0.0.100\n    port: 80\n    table-size: 10007\n    backends:\n"
                + String.join("", web)
                + "  - name: dns\n    address: fd00::53\n    protocol: udp\n    port: 53\n    forwarding: gue\n"
                + "    table-size: 10007\n    backends:\n"
                + String.join("", dns);
        return LbConfigLoader.parse(yaml, Path.of("order.yaml"), name -> true);
    }

    private static LbTables tables(LbConfig c) {
        return new LbTablesBuilder().build(c, 0x020000000001L, 1500, (target, mode) -> 0x020000000002L);
    }

    private static List<String> shuffled(List<String> lines, long seed) {
        List<String> copy = new ArrayList<>(lines);
        Collections.shuffle(copy, new Random(seed));
        return copy;
    }

    @Test
    void reorderedBackendLinesBuildTheSameTablesAndChoices() throws UnknownHostException {
        List<String> web = backendLines(0);
        List<String> dns = backendLines(1);
        LbTables reference = tables(config(web, dns));
        assertThat(reference.vip("web").backendCount()).isEqualTo(BACKENDS);
        assertThat(reference.vip("dns").backendCount()).isEqualTo(BACKENDS);

        for (long seed = 1; seed <= 3; seed++) {
            LbTables other = tables(config(shuffled(web, seed), shuffled(dns, seed + 100)));
            for (String name : List.of("web", "dns")) {
                Vip a = reference.vip(name);
                Vip b = other.vip(name);
                assertThat(b.backends()).isEqualTo(a.backends()); // the canonical order
                for (int s = 0; s < a.maglev().size(); s++) {
                    assertThat(b.backendAddress(b.maglev().slot(s))).isEqualTo(a.backendAddress(a.maglev().slot(s)));
                }
            }
            Random flows = new Random(seed);
            InetAddress webVip = InetAddress.getByName("10.0.0.100");
            InetAddress dnsVip = InetAddress.getByName("fd00::53");
            for (int i = 0; i < 10_000; i++) {
                byte[] v4 = new byte[4];
                byte[] v6 = new byte[16];
                flows.nextBytes(v4);
                flows.nextBytes(v6);
                int port = 1024 + flows.nextInt(60_000);
                FlowSelector.Choice x = FlowSelector.which(reference, 6, InetAddress.getByAddress(v4), port, webVip, 80);
                FlowSelector.Choice y = FlowSelector.which(other, 6, InetAddress.getByAddress(v4), port, webVip, 80);
                assertThat(y.backend()).isNotNull().isEqualTo(x.backend());
                x = FlowSelector.which(reference, 17, InetAddress.getByAddress(v6), port, dnsVip, 53);
                y = FlowSelector.which(other, 17, InetAddress.getByAddress(v6), port, dnsVip, 53);
                assertThat(y.backend()).isNotNull().isEqualTo(x.backend());
            }
        }
    }
}
