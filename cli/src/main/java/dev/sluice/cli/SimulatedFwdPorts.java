package dev.sluice.cli;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.PortCounters;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.drivers.afxdp.AfXdpQueue;
import dev.sluice.sys.LibC;
import dev.sluice.umem.UmemConfig;

import java.util.List;
import java.util.Map;

/**
 * The memory driver for {@code fwd}: a real AF_XDP queue whose kernel side is played in memory by
 * a thread of its own (on the first CPU when there are several), delivering 64-byte frames as fast
 * as the pipeline takes them. It shows the user-space ceiling of the data path, no NIC or
 * privilege needed.
 */
final class SimulatedFwdPorts implements FwdPorts {
    private final XskKernelSimulator sim;
    private final Thread kernel;
    private volatile boolean running = true;

    SimulatedFwdPorts(int burst, int framesInFlight, int ringSize, CounterAllocator counters) {
        byte[] frame = new byte[60];
        for (int i = 0; i < 12; i++) {
            frame[i] = (byte) (i + 1);
        }
        frame[12] = 0x08;
        sim = new XskKernelSimulator(UmemConfig.defaults(), ringSize, framesInFlight, frame, false, false, counters).prefilled();
        kernel = new Thread(() -> {
            if (Runtime.getRuntime().availableProcessors() > 1) {
                LibC.pinCurrentThread(0);
            }
            while (running) {
                if (sim.step(burst) == 0) {
                    Thread.onSpinWait();
                }
            }
        }, "sluice-simulated-kernel");
        kernel.setDaemon(true);
    }

    @Override
    public List<AfXdpQueue> workerPorts() {
        return List.of(sim.queue());
    }

    @Override
    public void attach() {
        kernel.start();
    }

    @Override
    public String describe() {
        return "memory driver (AF_XDP rings, kernel side simulated on another thread)";
    }

    @Override
    public void summarize(Map<String, String> summary) {
        summary.put("driver", "memory");
        summary.put("xdp", "none");
        summary.put("copy", "none");
        summary.put("queues", "1");
    }

    @Override
    public RateReport.Sample sample(long now) {
        PortCounters c = sim.queue().counters();
        return new RateReport.Sample(now, c.get(PortCounters.RX_PACKETS), c.get(PortCounters.RX_BYTES),
                c.get(PortCounters.TX_PACKETS), c.get(PortCounters.TX_BYTES), c.get(PortCounters.TX_RING_FULL),
                c.get(PortCounters.TX_RING_FULL), 0);
    }

    @Override
    public void drainTx(long millis) {
        // The simulated kernel completes everything it sees; nothing to wait for.
    }

    @Override
    public boolean warmsUpOnSimulator() {
        return true;
    }

    @Override
    public void close() {
        running = false;
        try {
            kernel.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sim.close();
    }
}
