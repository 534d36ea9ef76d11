package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afpacket.AfPacketOptions;
import dev.sluice.drivers.afpacket.AfPacketPort;
import dev.sluice.drivers.afpacket.AfPacketStatistics;
import dev.sluice.sys.NetNs;

import java.util.List;
import java.util.Map;

/** AF_PACKET (TPACKET_V3): the fallback where AF_XDP is not available; one port, one worker. */
final class AfPacketFwdPorts implements FwdPorts {
    private final AfPacketPort port;

    AfPacketFwdPorts(String iface, String netns, CounterAllocator counters) {
        if (netns == null) {
            port = AfPacketPort.open(iface, AfPacketOptions.defaults(), counters);
        } else {
            try (NetNs.Scope ignored = NetNs.enter(netns)) {
                port = AfPacketPort.open(iface, AfPacketOptions.defaults(), counters);
            }
        }
    }

    @Override
    public List<AfPacketPort> workerPorts() {
        return List.of(port);
    }

    @Override
    public void attach() {
        // An AF_PACKET socket sees traffic from the moment it is bound.
    }

    @Override
    public String describe() {
        return "AF_PACKET TPACKET_V3 (copies packets; no XDP program)";
    }

    @Override
    public void summarize(Map<String, String> summary) {
        summary.put("driver", "afpacket");
        summary.put("xdp", "none");
        summary.put("copy", "copy");
        summary.put("queues", "1");
    }

    @Override
    public RateReport.Sample sample(long now) {
        PortCounters c = port.counters();
        AfPacketStatistics k = port.statistics();
        long txFull = c.get(PortCounters.TX_RING_FULL);
        return new RateReport.Sample(now, c.get(PortCounters.RX_PACKETS), c.get(PortCounters.RX_BYTES),
                c.get(PortCounters.TX_PACKETS), c.get(PortCounters.TX_BYTES), k.drops() + txFull, txFull, 0);
    }

    @Override
    public void drainTx(long millis) {
        port.drainTx(millis);
    }

    @Override
    public void close() {
        port.close();
    }
}
