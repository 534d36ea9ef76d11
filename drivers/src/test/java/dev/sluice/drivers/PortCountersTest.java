package dev.sluice.drivers;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.xdp.XdpMode;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PortCountersTest {
    @Test
    void countersLiveInTheSegmentTheyWereGiven() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment values = arena.allocate(PortCounters.COUNT * 8L, 8);
            PortCounters c = new PortCounters(values);
            c.add(PortCounters.RX_PACKETS, 5);
            c.add(PortCounters.RX_PACKETS, 2);
            c.add(PortCounters.KICK_ERRORS, 1);
            assertThat(values.get(ValueLayout.JAVA_LONG, 8L * PortCounters.RX_PACKETS)).isEqualTo(7);
            assertThat(values.get(ValueLayout.JAVA_LONG, 8L * PortCounters.KICK_ERRORS)).isEqualTo(1);
            values.set(ValueLayout.JAVA_LONG, 8L * PortCounters.TX_BYTES, 99);
            assertThat(c.get(PortCounters.TX_BYTES)).isEqualTo(99);
        }
    }

    @Test
    void theDefaultKeepsTheOldBehaviour() {
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
    void anAllocatorIsAskedForOneGroupWithTheOwnerAndNames() {
        List<String> asked = new ArrayList<>();
        CounterAllocator recording = (owner, names, type) -> {
            asked.add(owner + " " + String.join(",", names) + " " + type);
            return CounterAllocator.inMemory().allocate(owner, names, type);
        };
        PortCounters.allocate(recording, "port afxdp:eth0/3").add(PortCounters.RX_BYTES, 64);
        assertThat(asked).containsExactly("port afxdp:eth0/3 " + String.join(",", PortCounters.names()) + " "
                + CounterAllocator.TYPE_COUNTER);
    }

    @Test
    void aTooSmallSegmentIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new PortCounters(arena.allocate(8, 8))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aHeapSegmentIsRefused() {
        // the writer addresses the counters by absolute address: heap memory has none that stays put
        assertThatThrownBy(() -> new PortCounters(MemorySegment.ofArray(new long[PortCounters.COUNT])))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native memory");
    }

    @Test
    void optionsCarryTheAllocatorThroughEveryWither() {
        CounterAllocator mine = (owner, names, type) -> CounterAllocator.inMemory().allocate(owner, names, type);
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
