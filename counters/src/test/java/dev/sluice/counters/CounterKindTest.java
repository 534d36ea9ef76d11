package dev.sluice.counters;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CounterKindTest {
    private static final CounterKind KIND = new CounterKind("demo", "rx", "tx", "dropped");

    @Test
    void namesAndIndicesAgreeAndAnUnknownNameIsRefusedByName() {
        assertThat(KIND.count()).isEqualTo(3);
        assertThat(KIND.name(2)).isEqualTo("dropped");
        assertThat(KIND.indexOf("tx")).isEqualTo(1);
        assertThatThrownBy(() -> KIND.indexOf("rx_bytes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no demo counter named rx_bytes");
        String[] copy = KIND.names();
        copy[0] = "changed";
        assertThat(KIND.name(0)).isEqualTo("rx");
    }

    @Test
    void allocatesPlainCountersUnderItsKindAndNames() {
        try (CounterGroup g = KIND.allocate(CounterAllocator.inMemory(), Labels.of("worker", "3"))) {
            assertThat(g.kind()).isEqualTo("demo");
            assertThat(g.labels()).isEqualTo(Labels.of("worker", "3"));
            assertThat(g.size()).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                assertThat(g.name(i)).isEqualTo(KIND.name(i));
                assertThat(g.type(i)).isEqualTo(CounterType.COUNTER);
            }
        }
    }

    @Test
    void valuesNameEachCounterInOrderWithOrWithoutZeros() {
        try (CounterGroup g = KIND.allocate(CounterAllocator.inMemory(), Labels.none())) {
            assertThat(CounterKind.values(g, false)).isEmpty();
            assertThat(CounterKind.values(g, true)).isEqualTo("rx=0 tx=0 dropped=0");
            g.add(1, 5);
            g.add(2, 7);
            assertThat(CounterKind.values(g, false)).isEqualTo("tx=5 dropped=7");
            assertThat(CounterKind.values(g, true)).isEqualTo("rx=0 tx=5 dropped=7");
        }
    }
}
