package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.drivers.afxdp.XskStatistics;
import dev.sluice.drivers.afxdp.XskStatisticsCounters;
import dev.sluice.drivers.xdp.XdpProgramCounters;
import dev.sluice.sys.NetNs;
import dev.sluice.umem.UmemConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AF_XDP: one socket per queue over one UMEM; the kernel's XDP_STATISTICS copied into counters.
 * Setup failures get the flag that fixes them added to the driver's message ({@link AfXdpFlagAdvice}).
 */
final class AfXdpFwdPorts implements FwdPorts {
    private final AfXdpInterface port;
    private final String iface;
    private final String netns;
    private final List<XskStatisticsCounters> kernel = new ArrayList<>();
    /** The steering program's verdict counters; null when the port attached no program with counters. */
    private final XdpProgramCounters xdp;

    AfXdpFwdPorts(String iface, int[] queues, UmemConfig umem, AfXdpOptions options, CounterAllocator allocator, String netns) {
        this.iface = iface;
        this.netns = netns;
        AfXdpOptions withCounters = options.withCounters(allocator);
        try (NetNs.Scope ignored = netns == null ? null : NetNs.enter(netns)) {
            port = AfXdpInterface.prepare(iface, queues, umem, withCounters);
        } catch (RuntimeException e) {
            throw AfXdpFlagAdvice.withFlags(e, iface, netns, true);
        }
        try {
            for (AfXdpQueue q : port.queues()) {
                kernel.add(XskStatisticsCounters.allocate(allocator, q));
            }
            xdp = port.program() != null && port.program().counters().isPresent()
                    ? XdpProgramCounters.allocate(allocator, port.program(), iface) : null;
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
    }

    @Override
    public List<AfXdpQueue> workerPorts() {
        return port.queues();
    }

    @Override
    public void attach() {
        try {
            port.attach();
        } catch (RuntimeException e) {
            throw AfXdpFlagAdvice.withFlags(e, iface, netns, true);
        }
    }

    @Override
    public String describe() {
        return port.copyMode() + " mode, XDP " + port.xdpMode();
    }

    @Override
    public void summarize(Map<String, String> summary) {
        summary.put("driver", "afxdp");
        summary.put("xdp", port.xdpMode());
        summary.put("copy", port.copyMode());
        summary.put("queues", "" + port.queues().size());
    }

    @Override
    public RateReport.Sample sample(long now) {
        long rx = 0, rxb = 0, tx = 0, txb = 0, txFull = 0;
        XskStatistics k = XskStatistics.ZERO;
        for (int i = 0; i < port.queues().size(); i++) {
            PortCounters c = port.queues().get(i).counters();
            rx += c.get(PortCounters.RX_PACKETS);
            rxb += c.get(PortCounters.RX_BYTES);
            tx += c.get(PortCounters.TX_PACKETS);
            txb += c.get(PortCounters.TX_BYTES);
            txFull += c.get(PortCounters.TX_RING_FULL);
            k = k.plus(kernel.get(i).update()); // copies the socket's statistics into the counters file
        }
        if (xdp != null) {
            xdp.update(); // copies the program's verdict counters into the counters file
        }
        long dropped = k.rxDropped() + k.rxRingFull() + txFull;
        return new RateReport.Sample(now, rx, rxb, tx, txb, dropped, k.rxRingFull() + txFull, k.rxFillRingEmptyDescs());
    }

    @Override
    public void drainTx(long millis) {
        port.drainTx(millis);
    }

    @Override
    public boolean warmsUpOnSimulator() {
        return true;
    }

    @Override
    public void close() {
        port.close();
    }
}
