package dev.sluice.lb.conntrack;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ConnectionTable#setIdleTimeouts}: what a reload does to a running table. */
class ConnectionTableTimeoutsTest {
    static final long S = 1_000_000_000L;

    static FlowKey key(int protocol, int srcPort) {
        FlowKey k = new FlowKey();
        k.ipv4(1, protocol, 0x0A000001, srcPort, 80);
        return k;
    }

    @Test
    void newTimeoutsApplyToEntriesAlreadyThereEachProtocolItsOwn() {
        try (ConnectionTable t = new ConnectionTable(1024, 300 * S, 30 * S)) {
            long t0 = 1000 * S;
            FlowKey tcp = key(FlowKey.TCP, 1);
            FlowKey udp = key(FlowKey.UDP, 2);
            t.insert(tcp, 1, t0);
            t.insert(udp, 2, t0);
            t.setIdleTimeouts(5 * S, 60 * S);
            assertThat(t.lookup(tcp, t0 + 10 * S)).as("tcp: 10 s idle, 5 s allowed now").isEqualTo(ConnectionTable.NOT_FOUND);
            assertThat(t.lookup(udp, t0 + 45 * S)).as("udp: 45 s idle, 60 s allowed now").isEqualTo(2);
            t.setIdleTimeouts(300 * S, 30 * S);
            t.insert(tcp, 1, t0 + 50 * S);
            assertThat(t.lookup(tcp, t0 + 100 * S)).isEqualTo(1);
        }
    }

    @Test
    void negativeTimeoutsAreRefused() {
        try (ConnectionTable t = new ConnectionTable(1024, S, S)) {
            assertThatThrownBy(() -> t.setIdleTimeouts(-1, S)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must not be negative");
        }
    }
}
