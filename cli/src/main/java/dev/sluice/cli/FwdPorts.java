package dev.sluice.cli;

import dev.sluice.drivers.Port;

import java.util.List;
import java.util.Map;

/**
 * The ports a forwarding session drives, whatever the driver: the {@link Port}s of the pipeline,
 * how to let traffic in, and how to sample counters once per second (the driver's own and the
 * kernel's). Implementations: {@link AfXdpFwdPorts}, {@link AfPacketFwdPorts},
 * {@link SimulatedFwdPorts} (memory), {@link PcapFwdPorts}.
 */
interface FwdPorts extends AutoCloseable {
    /** The ports the pipeline forwards on (port i belongs to worker i % workers, which alone drives it). */
    List<? extends Port> workerPorts();

    /** Lets traffic in (AF_XDP: attaches the XDP program); called once the workers run. */
    void attach();

    /** The header line's description of the setup, e.g. "copy mode, XDP native". */
    String describe();

    /** Adds the driver's own summary fields (driver, xdp, copy, ...). */
    void summarize(Map<String, String> summary);

    /** Cumulative counters at {@code now}; off the data path (may make syscalls). */
    RateReport.Sample sample(long now);

    /** Waits for transmissions in flight to complete. */
    void drainTx(long millis);

    /** True when a finite input (a capture file) is used up and everything was handled. */
    default boolean inputDone() {
        return false;
    }

    /** What went wrong with a finite input (a damaged capture), or null. */
    default String inputProblem() {
        return null;
    }

    /** Whether warming up on the simulated AF_XDP kernel side compiles this driver's code path. */
    default boolean warmsUpOnSimulator() {
        return false;
    }

    @Override
    void close();
}
