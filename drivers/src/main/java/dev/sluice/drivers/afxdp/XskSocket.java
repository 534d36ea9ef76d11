package dev.sluice.drivers.afxdp;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.ring.XskConsumerRing;
import dev.sluice.ring.XskProducerRing;
import dev.sluice.ring.XskRingDescriptor;
import dev.sluice.ring.XskRingOffsets;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.umem.Umem;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.sys.XdpSocketDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One bound AF_XDP socket and its four mmap'ed rings. Setup follows the only order the kernel
 * accepts: socket → UMEM_REG (or share) → ring sizes → MMAP_OFFSETS → mmap → bind.
 */
final class XskSocket implements XskEndpoint {
    /** How long bind waits for the kernel to release a queue that a closed socket held. */
    static final long RELEASE_WAIT_MILLIS = 500;

    final int fd;
    final XskRings rings;
    final boolean zeroCopy;
    private final List<MemorySegment> mappings;

    private XskSocket(int fd, XskRings rings, boolean zeroCopy, List<MemorySegment> mappings) {
        this.fd = fd;
        this.rings = rings;
        this.zeroCopy = zeroCopy;
        this.mappings = mappings;
    }

    /** Opens a socket on {@code ifname}/{@code queue} and registers {@code umem} on it. */
    static XskSocket open(String ifname, int ifindex, int queue, Umem umem, AfXdpOptions options) {
        return open(ifname, ifindex, queue, umem, NO_OWNER, options);
    }

    /** Opens a socket on {@code ifname}/{@code queue} that shares this socket's UMEM (XDP_SHARED_UMEM). */
    XskSocket openSharingUmem(String ifname, int ifindex, int queue, Umem umem, AfXdpOptions options) {
        return open(ifname, ifindex, queue, umem, fd, options);
    }

    /** No socket owns the UMEM yet: the new socket registers it. */
    private static final int NO_OWNER = -1;

    private static XskSocket open(String ifname, int ifindex, int queue, Umem umem, int umemOwnerFd, AfXdpOptions options) {
        String where = ifname + " queue " + queue;
        int fd = LibC.socket(LibC.AF_XDP, LibC.SOCK_RAW, 0, "socket(AF_XDP)", "creating an AF_XDP socket for " + where);
        List<MemorySegment> mappings = new ArrayList<>(4);
        try (Arena arena = Arena.ofConfined()) {
            if (umemOwnerFd == NO_OWNER) {
                registerUmem(fd, umem, arena);
            }
            int size = options.ringSize();
            LibC.setsockoptInt(fd, SOL_XDP, XDP_UMEM_FILL_RING, size, "setsockopt(XDP_UMEM_FILL_RING)", "sizing the FILL ring");
            LibC.setsockoptInt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, size, "setsockopt(XDP_UMEM_COMPLETION_RING)", "sizing the COMPLETION ring");
            LibC.setsockoptInt(fd, SOL_XDP, XDP_RX_RING, size, "setsockopt(XDP_RX_RING)", "sizing the RX ring");
            LibC.setsockoptInt(fd, SOL_XDP, XDP_TX_RING, size, "setsockopt(XDP_TX_RING)", "sizing the TX ring");

            MemorySegment off = arena.allocate(MMAP_OFFSETS_SIZE, 8);
            int len = LibC.getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, "getsockopt(XDP_MMAP_OFFSETS)", "reading the ring layout");
            if (len != MMAP_OFFSETS_SIZE) {
                throw new IllegalStateException("XDP_MMAP_OFFSETS returned " + len + " bytes, expected " + MMAP_OFFSETS_SIZE
                        + ": this kernel is too old (Linux >= 5.10 is required)");
            }
            XskRingOffsets rxOff = ringOffsets(off, MMAP_OFFSETS_RX);
            XskRingOffsets txOff = ringOffsets(off, MMAP_OFFSETS_TX);
            XskRingOffsets fillOff = ringOffsets(off, MMAP_OFFSETS_FILL);
            XskRingOffsets compOff = ringOffsets(off, MMAP_OFFSETS_COMPLETION);

            MemorySegment rxMap = map(fd, rxOff, size, DESC_SIZE, PGOFF_RX_RING, "RX", mappings);
            MemorySegment txMap = map(fd, txOff, size, DESC_SIZE, PGOFF_TX_RING, "TX", mappings);
            MemorySegment fillMap = map(fd, fillOff, size, ADDR_SIZE, PGOFF_FILL_RING, "FILL", mappings);
            MemorySegment compMap = map(fd, compOff, size, ADDR_SIZE, PGOFF_COMPLETION_RING, "COMPLETION", mappings);
            XskRings rings = new XskRings(
                    new XskProducerRing(fillMap, fillOff, size, ADDR_SIZE),
                    new XskConsumerRing(compMap, compOff, size, ADDR_SIZE),
                    new XskConsumerRing(rxMap, rxOff, size, DESC_SIZE),
                    new XskProducerRing(txMap, txOff, size, DESC_SIZE));

            boolean zc = bind(fd, ifname, ifindex, queue, umemOwnerFd, options, arena);
            return new XskSocket(fd, rings, zc, mappings);
        } catch (RuntimeException e) {
            for (MemorySegment m : mappings) {
                LibC.munmap(m);
            }
            LibC.close(fd);
            throw e;
        }
    }

    private static void registerUmem(int fd, Umem umem, Arena arena) {
        MemorySegment reg = arena.allocate(UMEM_REG_SIZE, 8); // zeroed: flags 0, tx_metadata_len 0
        reg.set(JAVA_LONG, UMEM_REG_ADDR_OFFSET, umem.segment().address());
        reg.set(JAVA_LONG, UMEM_REG_LEN_OFFSET, umem.byteSize());
        reg.set(JAVA_INT, UMEM_REG_CHUNK_SIZE_OFFSET, umem.frameSize());
        reg.set(JAVA_INT, UMEM_REG_HEADROOM_OFFSET, umem.headroom());
        LibC.setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, "setsockopt(XDP_UMEM_REG)",
                "registering a UMEM of " + umem.frameCount() + " frames (" + umem.byteSize() / 1024 + " KiB)");
    }

    private static XskRingOffsets ringOffsets(MemorySegment off, int base) {
        return new XskRingOffsets(
                off.get(JAVA_LONG, base + RING_OFFSET_PRODUCER),
                off.get(JAVA_LONG, base + RING_OFFSET_CONSUMER),
                off.get(JAVA_LONG, base + RING_OFFSET_FLAGS),
                off.get(JAVA_LONG, base + RING_OFFSET_DESC));
    }

    private static MemorySegment map(int fd, XskRingOffsets off, int size, int entrySize, long pgoff, String ring,
                                     List<MemorySegment> mappings) {
        long len = XskRingDescriptor.mappingLength(off, size, entrySize);
        MemorySegment m = LibC.mmap(len, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, pgoff,
                "mmap(" + ring + " ring)", "mapping the " + ring + " ring");
        mappings.add(m);
        return m;
    }

    /** Binds; returns true when the socket runs in zero-copy mode. */
    private static boolean bind(int fd, String ifname, int ifindex, int queue, int umemOwnerFd, AfXdpOptions options, Arena arena) {
        MemorySegment sa = arena.allocate(SOCKADDR_SIZE, 8);
        sa.set(JAVA_SHORT, SOCKADDR_FAMILY_OFFSET, (short) LibC.AF_XDP);
        sa.set(JAVA_INT, SOCKADDR_IFINDEX_OFFSET, ifindex);
        sa.set(JAVA_INT, SOCKADDR_QUEUE_ID_OFFSET, queue);
        String where = "binding the AF_XDP socket to " + ifname + " queue " + queue;
        if (umemOwnerFd != NO_OWNER) {
            // SHARED_UMEM goes alone: copy/zero-copy and need_wakeup come from the UMEM's owner.
            sa.set(JAVA_SHORT, SOCKADDR_FLAGS_OFFSET, XDP_SHARED_UMEM);
            sa.set(JAVA_INT, SOCKADDR_SHARED_UMEM_FD_OFFSET, umemOwnerFd);
            bindWaitingForRelease(fd, sa, "bind(AF_XDP, XDP_SHARED_UMEM)", where);
            return zeroCopyActive(fd, arena);
        }
        short wake = options.needWakeup() ? XDP_USE_NEED_WAKEUP : 0;
        if (options.copyMode() != AfXdpOptions.CopyMode.COPY) {
            sa.set(JAVA_SHORT, SOCKADDR_FLAGS_OFFSET, (short) (XDP_ZEROCOPY | wake));
            try {
                bindWaitingForRelease(fd, sa, "bind(AF_XDP, XDP_ZEROCOPY)", where + " in zero-copy mode");
                return true;
            } catch (NativeException e) {
                boolean unsupported = e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EINVAL;
                if (options.copyMode() == AfXdpOptions.CopyMode.ZERO_COPY || !unsupported) {
                    if (options.copyMode() == AfXdpOptions.CopyMode.ZERO_COPY && e.errno() == Errno.EOPNOTSUPP) {
                        throw new PortSetupException(Reason.ZERO_COPY_UNSUPPORTED, "the driver of " + ifname
                                + " does not support AF_XDP zero-copy (veth never does): ask for copy mode, which works everywhere", e);
                    }
                    throw e;
                }
            }
        }
        sa.set(JAVA_SHORT, SOCKADDR_FLAGS_OFFSET, (short) (XDP_COPY | wake));
        bindWaitingForRelease(fd, sa, "bind(AF_XDP, XDP_COPY)", where);
        return false;
    }

    /**
     * bind(2), retried for up to {@value #RELEASE_WAIT_MILLIS} ms while it fails with EBUSY: the
     * kernel frees a closed AF_XDP socket's hold on its queue in deferred work (the buffer pool is
     * released after the socket), so a queue closed a moment ago can still look taken. A queue held
     * by a live socket stays EBUSY and fails after the wait, with the usual message.
     */
    private static void bindWaitingForRelease(int fd, MemorySegment sa, String call, String doing) {
        long deadline = System.nanoTime() + RELEASE_WAIT_MILLIS * 1_000_000L;
        while (true) {
            try {
                LibC.bind(fd, sa, call, doing);
                return;
            } catch (NativeException e) {
                if (e.errno() != Errno.EBUSY || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LibC.bind(fd, sa, call, doing); // one last try, then whatever it says
                return;
            }
        }
    }

    private static boolean zeroCopyActive(int fd, Arena arena) {
        MemorySegment opt = arena.allocate(JAVA_INT);
        LibC.getsockopt(fd, SOL_XDP, XDP_OPTIONS, opt, "getsockopt(XDP_OPTIONS)", "reading the socket mode");
        return (opt.get(JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
    }

    @Override
    public XskRings rings() {
        return rings;
    }

    @Override
    public int wakeupFd() {
        return fd;
    }

    @Override
    public boolean zeroCopy() {
        return zeroCopy;
    }

    /** Kernel-side counters of this socket (XDP_STATISTICS); allocates, call off the data path. */
    @Override
    public XskStatistics statistics() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(STATISTICS_SIZE, 8);
            int len = LibC.getsockopt(fd, SOL_XDP, XDP_STATISTICS, s, "getsockopt(XDP_STATISTICS)", "reading socket statistics");
            if (len != STATISTICS_SIZE) {
                throw new IllegalStateException("XDP_STATISTICS returned " + len + " bytes, expected " + STATISTICS_SIZE);
            }
            return new XskStatistics(
                    s.get(JAVA_LONG, STAT_RX_DROPPED), s.get(JAVA_LONG, STAT_RX_INVALID_DESCS),
                    s.get(JAVA_LONG, STAT_TX_INVALID_DESCS), s.get(JAVA_LONG, STAT_RX_RING_FULL),
                    s.get(JAVA_LONG, STAT_RX_FILL_RING_EMPTY_DESCS), s.get(JAVA_LONG, STAT_TX_RING_EMPTY_DESCS));
        }
    }

    @Override
    public void close() {
        for (MemorySegment m : mappings) {
            LibC.munmap(m);
        }
        mappings.clear();
        LibC.close(fd);
    }
}
