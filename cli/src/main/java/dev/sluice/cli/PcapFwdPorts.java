package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.pcap.PcapPort;
import dev.sluice.drivers.pcap.PcapPortOptions;
import dev.sluice.umem.UmemConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** pcap: a capture processed offline; what the pipeline transmits is written to --out (if given). */
final class PcapFwdPorts implements FwdPorts {
    private final PcapPort port;

    PcapFwdPorts(String in, String out, UmemConfig umem, CounterAllocator counters) {
        PcapPortOptions options = new PcapPortOptions(umem, PcapPortOptions.defaults().outputPrecision(), 1, false);
        port = PcapPort.open(Path.of(in), out == null ? null : Path.of(out), options, counters);
    }

    @Override
    public List<PcapPort> workerPorts() {
        return List.of(port);
    }

    @Override
    public void attach() {
        // A file is there from the start.
    }

    @Override
    public String describe() {
        return "pcap driver (offline)";
    }

    @Override
    public boolean inputDone() {
        return port.endOfInput();
    }

    @Override
    public void summarize(Map<String, String> summary) {
        summary.put("driver", "pcap");
        summary.put("xdp", "none");
        summary.put("copy", "copy");
        summary.put("queues", "1");
        if (port.truncatedPackets() > 0) {
            summary.put("truncated", "" + port.truncatedPackets());
        }
        if (port.skippedPackets() > 0) {
            summary.put("skipped", "" + port.skippedPackets());
        }
        if (port.inputProblem() != null) {
            summary.put("input_damaged", "yes");
        }
    }

    @Override
    public String inputProblem() {
        return port.inputProblem();
    }

    @Override
    public RateReport.Sample sample(long now) {
        PortCounters c = port.counters();
        return new RateReport.Sample(now, c.get(PortCounters.RX_PACKETS), c.get(PortCounters.RX_BYTES),
                c.get(PortCounters.TX_PACKETS), c.get(PortCounters.TX_BYTES), c.get(PortCounters.TX_RING_FULL), 0, 0);
    }

    @Override
    public void drainTx(long millis) {
        port.flush();
    }

    @Override
    public void close() {
        port.close();
    }
}
