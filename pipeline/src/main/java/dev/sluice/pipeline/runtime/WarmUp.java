package dev.sluice.pipeline.runtime;

import dev.sluice.drivers.Port;
import dev.sluice.drivers.afxdp.XskKernelSimulator;
import dev.sluice.pipeline.gen.UdpTemplate;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;

/**
 * Compiles a pipeline's data path before traffic arrives: runs the pipeline itself (same handler,
 * workers, burst, hashing: whatever the caller's builder says) over a real
 * {@link dev.sluice.drivers.afxdp.XskQueue} whose kernel side an {@link XskKernelSimulator} plays in
 * memory, with idle turns between busy ones, until C2 has had time to compile it; then closes it. The
 * code the workers run is the code that will run on the real queues: JIT compilation and profiles
 * belong to the classes, not to the pipeline instance. Without a warm-up a receiver drops packets in
 * its first seconds while the JIT catches up.
 * <p>
 * Kernel turns and the workers' duty cycles alternate on the calling thread: with a thread each, they
 * would wait on each other through the scheduler, and on a busy machine too few duty cycles would run
 * for the JIT to compile them.
 */
public final class WarmUp {
    /** Ring entries and frames in flight of the simulated queue: those of an AF_XDP port's defaults. */
    private static final int RING_SIZE = 2048;
    private static final int FRAMES_IN_FLIGHT = 512;
    /** Kernel turns between two looks at the clock. */
    private static final int TURNS_PER_CHECK = 1024;

    private WarmUp() {
    }

    /**
     * @param pipeline the pipeline to warm up, given the simulated port: a builder with that port and
     *                 everything else as in the real run (not started)
     * @param burst    packets the simulated kernel delivers per turn
     * @return packets the simulated kernel delivered
     */
    public static long overSimulatedKernel(Function<Port, Pipeline.Builder> pipeline, int burst, long millis) {
        return overSimulatedKernel(pipeline, List.of(udpFrame()), burst, millis, 0);
    }

    /**
     * As {@link #overSimulatedKernel(Function, int, long)}, with the simulated kernel delivering
     * {@code frames} in turn (the first after the last): for a handler whose paths depend on what
     * the packets are (protocols, flags, destinations), so that each path is compiled with a
     * profile that has seen the others.
     *
     * @param frames   Ethernet frames without FCS, each at most a UMEM frame's default size less its headroom
     * @param minTurns kernel turns to run even when {@code millis} have passed before (rounded up to
     *                 a multiple of {@value #TURNS_PER_CHECK}): the first turns run interpreted, and on a
     *                 busy machine they can take all the time given, so that the data path would meet
     *                 real traffic with its profile collected but its C2 compilation not yet asked for
     */
    public static long overSimulatedKernel(Function<Port, Pipeline.Builder> pipeline, List<byte[]> frames, int burst,
                                           long millis, int minTurns) {
        try (XskKernelSimulator sim = new XskKernelSimulator(UmemConfig.defaults(), RING_SIZE, FRAMES_IN_FLIGHT,
                frames, true)) {
            try (Pipeline p = pipeline.apply(sim.queue()).assemble()) {
                long deadline = System.nanoTime() + millis * 1_000_000L;
                long turns = 0;
                while (System.nanoTime() - deadline < 0 || turns < minTurns) {
                    for (int k = 0; k < TURNS_PER_CHECK; k++) {
                        if ((k & 3) != 3) { // every fourth turn delivers nothing: the idle path runs too
                            sim.step(burst);
                        }
                        p.invoke();
                    }
                    turns += TURNS_PER_CHECK;
                }
            }
            return sim.delivered();
        }
    }

    /** A valid 64-byte Ethernet/IPv4/UDP frame (without FCS): what the forward modes and flow hashing read. */
    private static byte[] udpFrame() {
        UdpTemplate t = new UdpTemplate(new byte[] {2, 0, 0, 0, 0, 1}, new byte[] {2, 0, 0, 0, 0, 2},
                0x0a00_0001, 0x0a00_0002, 1024, 9, 60);
        byte[] frame = new byte[t.length()];
        t.writeTo(MemorySegment.ofArray(frame), 0);
        return frame;
    }
}
