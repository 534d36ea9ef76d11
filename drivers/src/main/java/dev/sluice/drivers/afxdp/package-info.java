/**
 * The AF_XDP driver: sockets that share a UMEM with the kernel through four rings each.
 *
 * <ul>
 *   <li>{@link dev.sluice.drivers.afxdp.AfXdpInterface}: one network interface. Opens a socket per
 *       queue over one UMEM and its one {@link dev.sluice.umem.SharedFramePool}, attaches the XDP
 *       program that steers each queue's packets to its socket, holds steering rules, and says
 *       where every frame is ({@link dev.sluice.drivers.afxdp.FrameCounts}).</li>
 *   <li>{@link dev.sluice.drivers.afxdp.AfXdpQueue}: one queue, a {@link dev.sluice.drivers.Port}
 *       that one thread drives (the data path: RX, FILL, TX, COMPLETION). Frames may cross
 *       queues: each queue refills FILL from the shared pool through a cache of its own.</li>
 *   <li>{@code XskEndpoint}: the kernel end of a queue, a bound {@code XskSocket} or the simulated
 *       kernel of {@link dev.sluice.drivers.afxdp.XskKernelSimulator} (warm-up, benchmarks, tests
 *       without privileges).</li>
 *   <li>{@link dev.sluice.drivers.afxdp.AfXdpOptions}: copy mode, XDP mode, ring sizes, frames in
 *       flight, steering, counters; {@link dev.sluice.drivers.afxdp.XskStatistics} and
 *       {@link dev.sluice.drivers.afxdp.XskStatisticsCounters}: the kernel's XDP_STATISTICS.</li>
 * </ul>
 *
 * Setup failures a user can cause throw {@link dev.sluice.drivers.PortSetupException} with a
 * reason; messages speak of the library's terms, never of a command line's flags.
 */
package dev.sluice.drivers.afxdp;
