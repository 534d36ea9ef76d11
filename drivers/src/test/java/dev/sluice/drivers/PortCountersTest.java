package dev.sluice.drivers;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.counters.Labels;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.xdp.XdpMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PortCountersTest {
    @TempDir
    Path dir;

    @Test
    void countersLiveInTheirGroup() {
        PortCounters c = PortCounters.allocate(CounterAllocator.inMemory(), "afxdp:eth0/0");
        c.add(PortCounters.RX_PACKETS, 5);
        c.add(PortCounters.RX_PACKETS, 2);
        c.add(PortCounters.KICK_ERRORS, 1);
        assertThat(c.group().values().get(ValueLayout.JAVA_LONG, 8L * PortCounters.RX_PACKETS)).isEqualTo(7);
        assertThat(c.group().get(PortCounters.KICK_ERRORS)).isEqualTo(1);
        c.group().values().set(ValueLayout.JAVA_LONG, 8L * PortCounters.TX_BYTES, 99);
        assertThat(c.get(PortCounters.TX_BYTES)).isEqualTo(99);
        assertThat(c.group().kind()).isEqualTo("port");
        assertThat(c.group().labels()).isEqualTo(Labels.of("port", "afxdp:eth0/0"));
    }

    @Test
    void inMemoryCountersAddUpAndAreNamed() {
        PortCounters a = new PortCounters();
        PortCounters b = new PortCounters();
        a.add(PortCounters.TX_PACKETS, 3);
        b.add(PortCounters.TX_PACKETS, 4);
        b.add(PortCounters.DROPPED, 1);
        a.addAll(b);
        assertThat(a.get(PortCounters.TX_PACKETS)).isEqualTo(7);
        assertThat(a.get(PortCounters.DROPPED)).isEqualTo(1);
        assertThat(PortCounters.name(PortCounters.RX_PACKETS)).isEqualTo("rx_packets");
        assertThat(PortCounters.names()).hasSize(PortCounters.COUNT).startsWith("rx_packets").endsWith("kick_errors");
    }

    @Test
    void anAllocatorIsAskedForOneGroupOfKindPortLabelledWithThePort() {
        List<String> asked = new ArrayList<>();
        CounterAllocator recording = (kind, labels, names, types) -> {
            asked.add(kind + " " + labels + " " + String.join(",", names) + " " + List.of(types).stream().distinct().toList());
            return CounterAllocator.inMemory().allocate(kind, labels, names, types);
        };
        PortCounters.allocate(recording, "afxdp:eth0/3").add(PortCounters.RX_BYTES, 64);
        assertThat(asked).containsExactly("port port=afxdp:eth0/3 " + String.join(",", PortCounters.names()) + " "
                + List.of(CounterType.COUNTER));
    }

    @Test
    void countersInAFileAreReadThroughASecondMappingWithKindAndLabels() {
        try (CountersFile file = CountersFile.create(dir, "fwd-eth0", "test", 8)) {
            PortCounters port = PortCounters.allocate(file, "afxdp:eth0/0");
            port.add(PortCounters.RX_PACKETS, 3);
            port.add(PortCounters.RX_PACKETS, 4);
            port.add(PortCounters.RX_BYTES, 448);
            try (CountersReader r = CountersReader.open(file.path())) {
                CountersReader.Group g = r.snapshot().getFirst();
                assertThat(g.kind()).isEqualTo("port");
                assertThat(g.labels()).isEqualTo(Labels.of("port", "afxdp:eth0/0"));
                assertThat(g.counters()).extracting(CountersReader.Counter::name).containsExactly(PortCounters.names());
                assertThat(g.value("rx_packets")).isEqualTo(7);
                assertThat(g.value("rx_bytes")).isEqualTo(448);
                port.add(PortCounters.RX_PACKETS, 1); // live: the reader sees later writes
                assertThat(r.snapshot().getFirst().value("rx_packets")).isEqualTo(8);
            }
        }
    }

    @Test
    void optionsCarryTheAllocatorThroughEveryWither() {
        CounterAllocator mine = (kind, labels, names, types) -> CounterAllocator.inMemory().allocate(kind, labels, names, types);
        assertThat(AfXdpOptions.defaults().counters()).isSameAs(CounterAllocator.inMemory());
        AfXdpOptions o = AfXdpOptions.defaults().withCounters(mine).withRingSize(512).withCopyMode(AfXdpOptions.CopyMode.COPY)
                .withFramesInFlight(64).withSteering(true).withTrackFrames(true).withNeedWakeup(false).withAttachProgram(false)
                .withXdpMode(XdpMode.GENERIC);
        assertThat(o.counters()).isSameAs(mine);
        assertThat(o.ringSize()).isEqualTo(512);
        assertThat(new AfXdpOptions(AfXdpOptions.CopyMode.AUTO, XdpMode.AUTO, 2048, 512, true, false, true,
                false)).isEqualTo(AfXdpOptions.defaults());
    }
}
