package dev.sluice.lb.control;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.Forwarding;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.lb.control.ReloadPlanTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health checks acting on the tables: real TCP checks against listeners on loopback addresses (the
 * backends), the control plane over a fake interface. A backend whose port refuses leaves its VIP;
 * it comes back once it listens again; each change is counted.
 */
class ControlPlaneHealthTest {
    static final Duration DEADLINE = Duration.ofSeconds(20);

    final List<String> log = new CopyOnWriteArrayList<>();
    final List<ServerSocket> servers = new ArrayList<>();
    ConnectionTable table;
    LbStats stats;
    ControlPlane plane;

    /** Listens on {@code address:port} (0: any port) and accepts (then closes) every connection. */
    ServerSocket listen(String address, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        servers.add(s);
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getInputStream(); // accepted: the check's connection opened
                } catch (IOException e) {
                    return;
                }
            }
        }, "backend-" + address);
        t.setDaemon(true);
        t.start();
        return s;
    }

    ControlPlane start(LbConfig config) {
        return start(config, CounterAllocator.inMemory());
    }

    ControlPlane start(LbConfig config, CounterAllocator counters) {
        table = new ConnectionTable(config.connections().capacity(), 1, 1);
        stats = new LbStats(1, ControlPlane.statsRows(config));
        plane = new ControlPlane(config, new ControlPlane.Environment() {
            @Override
            public void steer(SteeringRule rule) {
            }

            @Override
            public void unsteer(SteeringRule rule) {
            }

            @Override
            public List<InetAddress> interfaceAddresses() {
                return List.of();
            }

            @Override
            public void resolve(LbConfig c) {
            }

            @Override
            public long mac(InetAddress target, Forwarding mode) {
                return 0x02_00_00_00_00_02L;
            }
        }, 0x02_00_00_00_00_01L, 1500, 64, List.of(table), stats, counters, log::add, () -> { });
        plane.start();
        return plane;
    }

    @AfterEach
    void close() throws IOException {
        if (plane != null) {
            plane.close();
        }
        for (ServerSocket s : servers) {
            s.close();
        }
        if (table != null) {
            table.close();
        }
        if (stats != null) {
            stats.close();
        }
    }

    static String config(int port) {
        return """
                interface: eth0
                vips:
                  - name: web
                    address: 10.0.0.100
                    port: 80
                    health: {type: tcp, port: %d, interval: 100ms, timeout: 100ms, rise: 2, fall: 2}
                    backends:
                      - {address: 10.99.0.1}
                      - {address: 10.99.0.2}
                  - name: plain
                    address: 10.0.0.101
                    port: 80
                    backends:
                      - {address: 10.99.0.2}
                """.formatted(port);
    }

    /**
     * The configuration of {@code yaml} with backends 10.99.0.x moved to 127.0.0.x: loopback
     * addresses the checks can reach here, which a file may not name (the loader wants unicast).
     */
    static LbConfig onLoopback(String yaml) {
        LbConfig c = parse(yaml);
        List<VipConfig> vips = new ArrayList<>();
        for (VipConfig v : c.vips()) {
            List<BackendConfig> backends = new ArrayList<>();
            for (BackendConfig b : v.backends()) {
                byte[] a = b.address().getAddress();
                a[0] = 127;
                a[1] = 0;
                try {
                    backends.add(new BackendConfig(InetAddress.getByAddress(a), b.weight(), b.mac()));
                } catch (java.net.UnknownHostException e) {
                    throw new AssertionError(e);
                }
            }
            vips.add(new VipConfig(v.name(), v.address(), v.protocol(), v.port(), v.forwarding(), v.hash(), v.tableSize(),
                    v.guePort(), backends, v.health()));
        }
        return new LbConfig(c.source(), c.interfaceName(), c.workers(), vips, c.connections(), c.encapsulation());
    }

    List<String> backends(String vip) {
        LbTables t = plane.tables().getAcquire();
        return t.vip(vip).backends().stream().map(InetAddress::getHostAddress).toList();
    }

    BackendStatus status(String vip, String address) {
        return plane.status(Instant.EPOCH, 1).vips().stream().filter(v -> v.name().equals(vip)).findFirst().orElseThrow()
                .backends().stream().filter(b -> b.address().equals(address)).findFirst().orElseThrow();
    }

    @Test
    void aBackendThatStopsListeningLeavesItsVipAndComesBackWhenItListensAgain() throws Exception {
        int port = listen("127.0.0.1", 0).getLocalPort();
        start(onLoopback(config(port)));
        // 127.0.0.2 refuses: down after its first result, out of web; the VIP without a check keeps it
        Await.until(() -> backends("web").equals(List.of("127.0.0.1")), DEADLINE, () -> "web's backends: " + backends("web"));
        assertThat(backends("plain")).containsExactly("127.0.0.2");
        BackendStatus down = status("web", "127.0.0.2");
        assertThat(down.health()).isEqualTo(BackendStatus.DOWN);
        assertThat(down.effectiveWeight()).isZero();
        assertThat(down.lastFailure()).contains("refused");
        assertThat(status("web", "127.0.0.1").health()).isEqualTo(BackendStatus.UP);
        assertThat(status("plain", "127.0.0.2").health()).isEqualTo(BackendStatus.UNCHECKED);
        long changes = plane.healthChanges("web", InetAddress.getByName("127.0.0.2"));
        assertThat(changes).isEqualTo(1);
        assertThat(plane.healthChanges("plain", InetAddress.getByName("127.0.0.2"))).isZero();

        listen("127.0.0.2", port);
        Await.until(() -> backends("web").equals(List.of("127.0.0.1", "127.0.0.2")), DEADLINE,
                () -> "web's backends: " + backends("web"));
        assertThat(status("web", "127.0.0.2").health()).isEqualTo(BackendStatus.UP);
        assertThat(plane.healthChanges("web", InetAddress.getByName("127.0.0.2"))).isEqualTo(2);
    }

    @Test
    void theControlThreadKeepsTheBackendGaugesCurrent(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        int port = listen("127.0.0.1", 0).getLocalPort();
        try (CountersFile file = CountersFile.create(dir, "lb-test", "test", 64)) {
            start(onLoopback(config(port)), file);
            Await.until(() -> gauges(file, "127.0.0.2").equals("up=0 changes=1 weight=100 effective=0 drained=0"), DEADLINE,
                    () -> "127.0.0.2's gauges in web: " + gauges(file, "127.0.0.2"));
            assertThat(gauges(file, "127.0.0.1")).isEqualTo("up=1 changes=0 weight=100 effective=100 drained=0");
            assertThat(plane.drain(InetAddress.getByName("127.0.0.1"), true).ok()).isTrue();
            Await.until(() -> gauges(file, "127.0.0.1").equals("up=1 changes=0 weight=100 effective=0 drained=1"), DEADLINE,
                    () -> "127.0.0.1's gauges in web: " + gauges(file, "127.0.0.1"));
            CountersReader.Group web = group(file, "lb_vip", "vip=web");
            assertThat(web.value("backends")).isEqualTo(2);
            assertThat(web.value("backends_up")).isEqualTo(1);
            plane.close(); // before the file
            plane = null;
        }
    }

    static CountersReader.Group group(CountersFile file, String kind, String labels) {
        for (CountersReader.Group g : file.reader().snapshot()) {
            if (g.kind().equals(kind) && g.labels().toString().equals(labels)) {
                return g;
            }
        }
        return null;
    }

    static String gauges(CountersFile file, String backend) {
        CountersReader.Group g = group(file, "lb_backend", "vip=web backend=" + backend);
        return g == null ? "no group" : "up=" + g.value("up") + " changes=" + g.value("health_changes") + " weight="
                + g.value("weight") + " effective=" + g.value("effective_weight") + " drained=" + g.value("drained");
    }

    @Test
    void aDownBackendThatIsAlsoDrainedStaysOutAndAReloadKeepsItsState() throws Exception {
        int port = listen("127.0.0.1", 0).getLocalPort();
        start(onLoopback(config(port)));
        Await.until(() -> backends("web").equals(List.of("127.0.0.1")), DEADLINE, () -> "web's backends: " + backends("web"));
        assertThat(plane.drain(InetAddress.getByName("127.0.0.2"), true).ok()).isTrue();
        assertThat(backends("web")).containsExactly("127.0.0.1");
        assertThat(backends("plain")).as("drained, in plain").containsExactly("127.0.0.2");
        // a reload that only changes the timing keeps the check and its state: still out of web
        AdminReply r = plane.reload(onLoopback(config(port).replace("interval: 100ms", "interval: 200ms")));
        assertThat(r.message()).contains("vip web: health check changed");
        assertThat(backends("web")).containsExactly("127.0.0.1");
        assertThat(status("web", "127.0.0.2").health()).isEqualTo(BackendStatus.DOWN);
    }
}
