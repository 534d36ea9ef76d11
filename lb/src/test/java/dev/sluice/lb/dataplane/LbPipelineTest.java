package dev.sluice.lb.dataplane;

import dev.sluice.drivers.memory.MemoryPort;
import dev.sluice.drivers.memory.MemoryPorts;
import dev.sluice.drivers.pcap.PcapWriter;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.testing.Privileged;
import dev.sluice.umem.FrameOwnership;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.SharedFramePool;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler in a real pipeline over the memory driver: the fixtures' frames go in on the wire,
 * what comes back out is what the fixtures expect (decoded again by tshark, checksums checked), the
 * counters add up, and every frame is back in the pool afterwards (also those whose start moved).
 */
class LbPipelineTest {
    @TempDir
    Path dir;

    @Test
    void fixturesThroughAPipelineOverTheMemoryDriver() throws Exception {
        List<LbHandlerFixtureTest.Case> cases = LbHandlerFixtureTest.cases();
        LbTables tables = LbRig.tables(LbHandlerFixtureTest.CONFIG);
        Published<LbTables> published = new Published<>(tables);
        List<ConnectionTable> connectionTables = Collections.synchronizedList(new ArrayList<>());
        List<LbCounters> counters = Collections.synchronizedList(new ArrayList<>());
        List<byte[]> outputs = new ArrayList<>();
        try (Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(1024))) {
            FrameOwnership ownership = new FrameOwnership(umem);
            try (SharedFramePool pool = SharedFramePool.of(umem, ownership);
                 MemoryPorts.Pair pair = MemoryPorts.pair(pool, 1024, "wire", "lb")) {
                MemoryPort wire = pair.a();
                Pipeline pipeline = Pipeline.builder().port(pair.b()).idle("yield").handler(() -> {
                    ConnectionTable c = new ConnectionTable(1 << 12, 300_000_000_000L, 30_000_000_000L);
                    LbCounters k = new LbCounters();
                    connectionTables.add(c);
                    counters.add(k);
                    return new LbHandler(published, c, k, System::nanoTime);
                }).start();
                try {
                    PacketBatch out = wire.newBatch(cases.size());
                    assertThat(wire.allocate(out, cases.size(), 64)).isEqualTo(cases.size());
                    for (int i = 0; i < cases.size(); i++) {
                        byte[] f = cases.get(i).in();
                        MemorySegment.copy(f, 0, umem.segment(), ValueLayout.JAVA_BYTE, out.address(i), f.length);
                        out.setLength(i, f.length);
                    }
                    assertThat(wire.transmit(out)).isEqualTo(cases.size());
                    long expected = cases.stream().filter(LbHandlerFixtureTest.Case::transmitted).count();
                    PacketBatch in = wire.newBatch(64);
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (outputs.size() < expected && System.nanoTime() < deadline) {
                        int n = wire.receive(in);
                        for (int i = 0; i < n; i++) {
                            outputs.add(in.packet(i).toArray());
                        }
                        wire.release(in);
                        if (n == 0) {
                            Thread.onSpinWait();
                        }
                    }
                    assertThat(outputs).as("frames sent back out").hasSize((int) expected);
                } finally {
                    pipeline.close();
                }
                assertThat(pipeline.errors()).isZero();
                LbCounters k = counters.get(0);
                long answered = k.get(LbCounters.FORWARDED) + k.get(LbCounters.ICMP_ECHO) + k.get(LbCounters.FRAG_NEEDED_SENT);
                assertThat(answered).isEqualTo(outputs.size());
                assertThat(answered + k.get(LbCounters.DROPPED)).as("every frame accounted for: %s", k).isEqualTo(cases.size());
                wire.drain();
                pair.b().drain();
                assertThat(ownership.violations()).isZero();
                assertThat(pool.available()).as("every frame back in the pool").isEqualTo(umem.frameCount());
            } finally {
                connectionTables.forEach(ConnectionTable::close);
            }
        }
        int o = 0;
        for (LbHandlerFixtureTest.Case k : cases) {
            if (k.transmitted()) {
                byte[] frame = outputs.get(o++);
                try {
                    k.check().accept(frame);
                } catch (AssertionError e) {
                    throw new AssertionError(k.name() + ": " + e.getMessage(), e);
                }
            }
        }
        List<Boolean> quotesOthers = new ArrayList<>();
        for (LbHandlerFixtureTest.Case k : cases) {
            if (k.transmitted()) {
                quotesOthers.add(k.name().contains(" about a "));
            }
        }
        decodeWithTshark(outputs, quotesOthers);
    }

    /** Wireshark's dissectors see no bad checksum and nothing malformed in any output frame (the fixtures' UDP payloads are no DNS or QUIC). */
    private void decodeWithTshark(List<byte[]> frames, List<Boolean> quotesOthers) throws Exception {
        Privileged.requireTool("tshark", "decodes the balancer's output frames");
        Path pcap = dir.resolve("lb-out.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, PcapWriter.Precision.MICROSECONDS)) {
            for (byte[] f : frames) {
                w.write(f, 0);
            }
        }
        Process p = new ProcessBuilder("tshark", "-n", "-r", pcap.toString(), "-V",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-d", "udp.port==6080,ip", "--disable-protocol", "dns", "--disable-protocol", "mdns", "--disable-protocol", "quic")
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(text).isZero();
        List<String> parts = java.util.Arrays.stream(text.split("(?m)^(?=Frame \\d+: )")).filter(s -> s.startsWith("Frame ")).toList();
        assertThat(parts).hasSize(frames.size());
        for (int i = 0; i < parts.size(); i++) {
            assertThat(parts.get(i)).doesNotContain("Malformed");
            if (!quotesOthers.get(i)) { // an ICMP error forwarded to a backend quotes what a router cut: its TCP checksum cannot match
                assertThat(parts.get(i)).doesNotContain("[Checksum Status: Bad]", "Expert Info (Error");
            }
        }
        assertThat(text).contains("Protocol: IPIP (4)", "Protocol: IPv6 (41)", "Next Header: IPIP (4)", "Next Header: IPv6 (41)",
                "Dst Port: 6080", "Src: 192.0.2.1, Dst: 10.0.2.1", "Src: 2001:db8::1, Dst: fd00:2::3",
                "Type: 0 (Echo (ping) reply)", "Echo (ping) reply (129)", "Code: 4 (Fragmentation needed)", "Packet Too Big");
    }
}
