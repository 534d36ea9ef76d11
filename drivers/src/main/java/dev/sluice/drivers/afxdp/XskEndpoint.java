package dev.sluice.drivers.afxdp;

/**
 * The kernel end of one AF_XDP queue as an {@link AfXdpQueue} sees it: the four rings, and what
 * stands behind them. A bound {@link XskSocket} is one; the simulated kernel of
 * {@link XskKernelSimulator} is the other, so that the very queue code runs over both.
 */
interface XskEndpoint extends AutoCloseable {
    /** The FILL, COMPLETION, RX and TX rings, user-space side. */
    XskRings rings();

    /**
     * The file descriptor the data path's wakeup syscalls go to. The simulated kernel has none and
     * answers -1: its wakeups are then the same syscalls failing at once with EBADF (counted as kick
     * errors), so that a loop warmed up on the simulator has compiled exactly the code a socket runs.
     * A virtual "kick" method instead would be profiled on the simulator's class and deoptimised at
     * the first real wakeup, when traffic has just started.
     */
    int wakeupFd();

    /** True when the kernel granted zero-copy (never for the simulator). */
    boolean zeroCopy();

    /** The kernel's XDP_STATISTICS for this queue (zero for the simulator); allocates, off the data path. */
    XskStatistics statistics();

    /** Releases the rings (unmaps and closes a socket). */
    @Override
    void close();
}
