package dev.sluice.drivers.xdp;

import dev.sluice.sys.LibC;
import dev.sluice.sys.XdpSocketDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.sluice.sys.XdpSocketDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The least AF_XDP socket the kernel accepts in an XSKMAP: a small UMEM, FILL/COMPLETION/RX ring
 * sizes set and a copy-mode bind to one queue of an interface. The rings are never mapped: tests
 * only need the socket as a redirect target for BPF_PROG_TEST_RUN, which returns the verdict
 * without delivering the frame. (The real socket is the afxdp driver's job, not this package's.)
 */
final class BoundXskSocket implements AutoCloseable {
    private static final int FRAMES = 16;
    private static final int FRAME_SIZE = 4096;
    private static final int RING_SIZE = 16;

    private final int fd;
    private final MemorySegment umem;

    private BoundXskSocket(int fd, MemorySegment umem) {
        this.fd = fd;
        this.umem = umem;
    }

    static BoundXskSocket bind(int ifindex, int queue) {
        String doing = "creating a test AF_XDP socket on ifindex " + ifindex + " queue " + queue;
        int fd = LibC.socket(LibC.AF_XDP, LibC.SOCK_RAW, 0, "socket(AF_XDP)", doing);
        MemorySegment umem = null;
        try (Arena arena = Arena.ofConfined()) {
            long length = (long) FRAMES * FRAME_SIZE;
            umem = LibC.mmap(length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0,
                    "mmap(UMEM)", doing);
            MemorySegment reg = arena.allocate(UMEM_REG_SIZE, 8);
            reg.set(JAVA_LONG, UMEM_REG_ADDR_OFFSET, umem.address());
            reg.set(JAVA_LONG, UMEM_REG_LEN_OFFSET, length);
            reg.set(JAVA_INT, UMEM_REG_CHUNK_SIZE_OFFSET, FRAME_SIZE);
            LibC.setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, "setsockopt(XDP_UMEM_REG)", doing);
            LibC.setsockoptInt(fd, SOL_XDP, XDP_UMEM_FILL_RING, RING_SIZE, "setsockopt(XDP_UMEM_FILL_RING)", doing);
            LibC.setsockoptInt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, RING_SIZE, "setsockopt(XDP_UMEM_COMPLETION_RING)", doing);
            LibC.setsockoptInt(fd, SOL_XDP, XDP_RX_RING, RING_SIZE, "setsockopt(XDP_RX_RING)", doing);
            MemorySegment addr = arena.allocate(XdpSocketDescriptor.SOCKADDR_SIZE, 4);
            addr.set(JAVA_SHORT, SOCKADDR_FAMILY_OFFSET, (short) LibC.AF_XDP);
            addr.set(JAVA_SHORT, SOCKADDR_FLAGS_OFFSET, XDP_COPY);
            addr.set(JAVA_INT, SOCKADDR_IFINDEX_OFFSET, ifindex);
            addr.set(JAVA_INT, SOCKADDR_QUEUE_ID_OFFSET, queue);
            LibC.bind(fd, addr, "bind(AF_XDP)", doing);
            return new BoundXskSocket(fd, umem);
        } catch (RuntimeException e) {
            LibC.close(fd);
            if (umem != null) {
                LibC.munmap(umem);
            }
            throw e;
        }
    }

    int fd() {
        return fd;
    }

    @Override
    public void close() {
        LibC.close(fd);
        LibC.munmap(umem);
    }
}
