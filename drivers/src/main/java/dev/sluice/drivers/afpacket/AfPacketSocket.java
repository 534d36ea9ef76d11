package dev.sluice.drivers.afpacket;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Privileges;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.sluice.sys.TpacketDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One AF_PACKET socket with a TPACKET_V3 RX ring and TX ring in one mapping, bound to one
 * interface. Setup follows the order the kernel requires:
 *
 * <ol>
 *   <li>socket(AF_PACKET, SOCK_RAW, 0): protocol 0 so that nothing is received before the rings
 *       exist and the socket is bound to the one interface (ETH_P_ALL here would make it see every
 *       interface's traffic until bind);</li>
 *   <li>PACKET_VERSION = TPACKET_V3, PACKET_LOSS, PACKET_IGNORE_OUTGOING, PACKET_QDISC_BYPASS
 *       (version and loss are refused with EBUSY once a ring exists);</li>
 *   <li>PACKET_RX_RING and PACKET_TX_RING (struct tpacket_req3 each);</li>
 *   <li>one mmap of both rings, RX first;</li>
 *   <li>bind(sockaddr_ll{AF_PACKET, htons(ETH_P_ALL), ifindex}): packets start arriving;</li>
 *   <li>PACKET_FANOUT (only after bind), PACKET_ADD_MEMBERSHIP(PROMISC).</li>
 * </ol>
 *
 * PACKET_LOSS makes the kernel skip a TX frame it cannot send (bad header, too long) instead of
 * marking it TP_STATUS_WRONG_FORMAT and stopping the whole ring at it: one bad packet must never
 * block the others.
 */
final class AfPacketSocket implements AutoCloseable {
    final int fd;
    /** RX ring at [0, rxBytes), TX ring at [rxBytes, rxBytes + txBytes). */
    final MemorySegment mapping;
    final long rxBytes;
    final long txBytes;
    private final Arena arena;
    private long totalPackets;
    private long totalDrops;
    private long totalFreezes;
    private boolean closed;

    private AfPacketSocket(int fd, MemorySegment mapping, long rxBytes, long txBytes, Arena arena) {
        this.fd = fd;
        this.mapping = mapping;
        this.rxBytes = rxBytes;
        this.txBytes = txBytes;
        this.arena = arena;
    }

    static AfPacketSocket open(String ifname, int ifindex, AfPacketOptions options) {
        checkPrivileges(ifname);
        checkMemory(ifname, options);
        int fd;
        try {
            fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0, "socket(AF_PACKET)", "creating an AF_PACKET socket for " + ifname);
        } catch (NativeException e) {
            if (e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
                throw new PortSetupException(Reason.PRIVILEGE, needsNetRaw(ifname), e);
            }
            if (e.errno() == Errno.EAFNOSUPPORT) {
                throw new PortSetupException(Reason.AF_PACKET_UNSUPPORTED, "this kernel has no AF_PACKET sockets (CONFIG_PACKET is off): AF_PACKET on "
                        + ifname + " is impossible", e);
            }
            throw e;
        }
        MemorySegment mapping = null;
        long rxBytes = options.rxRingBytes();
        long txBytes = options.txRingBytes();
        try (Arena scratch = Arena.ofConfined()) {
            setInt(fd, PACKET_VERSION, TPACKET_V3, "setsockopt(PACKET_VERSION)", "selecting TPACKET_V3 (Linux >= 3.2)");
            setInt(fd, PACKET_LOSS, 1, "setsockopt(PACKET_LOSS)", "letting the kernel skip malformed TX frames");
            setInt(fd, PACKET_IGNORE_OUTGOING, 1, "setsockopt(PACKET_IGNORE_OUTGOING)",
                    "hiding the socket's own transmissions from its receive ring (Linux >= 4.20)");
            if (options.qdiscBypass()) {
                setInt(fd, PACKET_QDISC_BYPASS, 1, "setsockopt(PACKET_QDISC_BYPASS)", "bypassing the qdisc on transmit");
            }
            setRing(fd, PACKET_RX_RING, rxRequest(options, scratch), ifname, options, "RX");
            setRing(fd, PACKET_TX_RING, txRequest(options, scratch), ifname, options, "TX");
            try {
                mapping = LibC.mmap(rxBytes + txBytes, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, 0,
                        "mmap(AF_PACKET rings)", "mapping the RX and TX rings (" + (rxBytes + txBytes) / 1024 + " KiB)");
            } catch (NativeException e) {
                if (e.errno() == Errno.ENOMEM) {
                    throw new PortSetupException(Reason.RINGS_TOO_LARGE, tooBig(ifname, options, "mmap of the rings failed with ENOMEM"), e);
                }
                throw e;
            }
            bind(fd, ifname, ifindex, scratch);
            if (options.fanoutGroup() >= 0) {
                joinFanout(fd, ifname, options);
            }
            if (options.promiscuous()) {
                MemorySegment mreq = scratch.allocate(MREQ_SIZE, 4);
                mreq.set(JAVA_INT, MREQ_IFINDEX_OFFSET, ifindex);
                mreq.set(JAVA_SHORT, MREQ_TYPE_OFFSET, PACKET_MR_PROMISC);
                LibC.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, "setsockopt(PACKET_ADD_MEMBERSHIP)",
                        "putting " + ifname + " in promiscuous mode");
            }
            return new AfPacketSocket(fd, mapping, rxBytes, txBytes, Arena.ofShared());
        } catch (RuntimeException e) {
            if (mapping != null) {
                LibC.munmap(mapping);
            }
            LibC.close(fd);
            throw e;
        }
    }

    static String needsNetRaw(String ifname) {
        return "AF_PACKET on " + ifname + " needs CAP_NET_RAW: run as root or grant it "
                + "(e.g. setcap cap_net_raw+ep on the java binary)";
    }

    private static void checkPrivileges(String ifname) {
        if (!Privileges.has(Privileges.CAP_NET_RAW)) {
            throw new PortSetupException(Reason.PRIVILEGE, needsNetRaw(ifname));
        }
    }

    /**
     * The kernel allocates ring blocks eagerly and falls back to vmalloc, so a ring larger than the
     * free memory would push the machine into swap or the OOM killer before failing: refuse first.
     */
    private static void checkMemory(String ifname, AfPacketOptions options) {
        long available = memAvailable();
        long needed = options.rxRingBytes() + options.txRingBytes();
        if (available > 0 && needed > available / 2) {
            throw new PortSetupException(Reason.RINGS_TOO_LARGE, tooBig(ifname, options, "the rings need " + mib(needed) + " but only "
                    + mib(available) + " of memory is available (MemAvailable), and they may take at most half of it"));
        }
    }

    private static String tooBig(String ifname, AfPacketOptions options, String what) {
        return "ENOMEM: the AF_PACKET rings for " + ifname + " are too large (RX " + options.blockCount() + " blocks x "
                + options.blockSize() + " bytes = " + mib(options.rxRingBytes()) + ", TX " + options.txFrames() + " frames x "
                + options.frameSize() + " bytes = " + mib(options.txRingBytes()) + "): " + what
                + "; use fewer or smaller blocks (AfPacketOptions.withBlockCount, withBlockSize) or fewer TX frames (withTxFrames)";
    }

    private static String mib(long bytes) {
        return bytes >= (1L << 30) ? String.format("%.1f GiB", bytes / (double) (1L << 30)) : (bytes >> 20) + " MiB";
    }

    /** MemAvailable from /proc/meminfo in bytes, or -1 when unknown. */
    static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.substring(13).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: leave the decision to the kernel
        }
        return -1;
    }

    private static void setInt(int fd, int option, int value, String call, String doing) {
        LibC.setsockoptInt(fd, SOL_PACKET, option, value, call, doing);
    }

    private static MemorySegment rxRequest(AfPacketOptions o, Arena arena) {
        MemorySegment req = arena.allocate(REQ3_SIZE, 4); // zeroed: no private area, no features
        req.set(JAVA_INT, REQ3_BLOCK_SIZE_OFFSET, o.blockSize());
        req.set(JAVA_INT, REQ3_BLOCK_NR_OFFSET, o.blockCount());
        req.set(JAVA_INT, REQ3_FRAME_SIZE_OFFSET, o.frameSize());
        req.set(JAVA_INT, REQ3_FRAME_NR_OFFSET, (o.blockSize() / o.frameSize()) * o.blockCount());
        req.set(JAVA_INT, REQ3_RETIRE_BLK_TOV_OFFSET, o.retireTimeoutMillis());
        return req;
    }

    /** TPACKET_V3 TX is frame based: retire timeout, private size and feature word must be 0 (else EINVAL). */
    private static MemorySegment txRequest(AfPacketOptions o, Arena arena) {
        MemorySegment req = arena.allocate(REQ3_SIZE, 4);
        int block = o.txBlockSize();
        int perBlock = block / o.frameSize();
        req.set(JAVA_INT, REQ3_BLOCK_SIZE_OFFSET, block);
        req.set(JAVA_INT, REQ3_BLOCK_NR_OFFSET, o.txFrames() / perBlock);
        req.set(JAVA_INT, REQ3_FRAME_SIZE_OFFSET, o.frameSize());
        req.set(JAVA_INT, REQ3_FRAME_NR_OFFSET, o.txFrames());
        return req;
    }

    private static void setRing(int fd, int option, MemorySegment req, String ifname, AfPacketOptions options, String which) {
        String call = option == PACKET_RX_RING ? "setsockopt(PACKET_RX_RING)" : "setsockopt(PACKET_TX_RING)";
        try {
            LibC.setsockopt(fd, SOL_PACKET, option, req, call, "creating the " + which + " ring");
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOMEM) {
                throw new PortSetupException(Reason.RINGS_TOO_LARGE, tooBig(ifname, options, "the kernel could not allocate the " + which
                        + " ring (" + e.call() + ": ENOMEM)"), e);
            }
            throw e;
        }
    }

    private static void bind(int fd, String ifname, int ifindex, Arena arena) {
        MemorySegment sll = arena.allocate(SOCKADDR_LL_SIZE, 4);
        sll.set(JAVA_SHORT, SLL_FAMILY_OFFSET, (short) LibC.AF_PACKET);
        // sll_protocol is big-endian: ETH_P_ALL 0x0003 is the bytes 00 03.
        sll.set(JAVA_BYTE, SLL_PROTOCOL_OFFSET, (byte) (ETH_P_ALL >>> 8));
        sll.set(JAVA_BYTE, SLL_PROTOCOL_OFFSET + 1, (byte) ETH_P_ALL);
        sll.set(JAVA_INT, SLL_IFINDEX_OFFSET, ifindex);
        try {
            LibC.bind(fd, sll, "bind(AF_PACKET)", "binding the AF_PACKET socket to " + ifname);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENODEV) {
                throw new PortSetupException(Reason.UNKNOWN_INTERFACE, "network interface '" + ifname + "' disappeared while the port was opening (see 'ip link')", e);
            }
            throw e;
        }
    }

    private static void joinFanout(int fd, String ifname, AfPacketOptions options) {
        int arg = options.fanoutGroup() | (options.fanoutMode().kernelValue << 16);
        try {
            LibC.setsockoptInt(fd, SOL_PACKET, PACKET_FANOUT, arg, "setsockopt(PACKET_FANOUT)",
                    "joining fanout group " + options.fanoutGroup() + " (" + options.fanoutMode() + ") on " + ifname);
        } catch (NativeException e) {
            if (e.errno() == Errno.EINVAL) {
                throw new PortSetupException(Reason.FANOUT_CONFLICT, "fanout group " + options.fanoutGroup() + " on " + ifname + " already exists with "
                        + "another mode or on another interface: give every port of one group the same interface and mode", e);
            }
            throw e;
        }
    }

    /**
     * Kernel counters since the socket opened (PACKET_STATISTICS clears them on every read, so this
     * object keeps the running totals). Allocates: call off the data path.
     */
    synchronized AfPacketStatistics statistics() {
        if (!closed) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(STATS_V3_SIZE, 4);
                int len = LibC.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, s, "getsockopt(PACKET_STATISTICS)", "reading socket statistics");
                if (len != STATS_V3_SIZE) {
                    throw new IllegalStateException("PACKET_STATISTICS returned " + len + " bytes, expected " + STATS_V3_SIZE
                            + " (struct tpacket_stats_v3): is the socket not TPACKET_V3?");
                }
                totalPackets += Integer.toUnsignedLong(s.get(JAVA_INT, STATS_PACKETS_OFFSET));
                totalDrops += Integer.toUnsignedLong(s.get(JAVA_INT, STATS_DROPS_OFFSET));
                totalFreezes += Integer.toUnsignedLong(s.get(JAVA_INT, STATS_FREEZE_Q_CNT_OFFSET));
            }
        }
        return new AfPacketStatistics(totalPackets, totalDrops, totalFreezes);
    }

    /** A pollfd for this socket, owned by the socket (for idle waits). */
    MemorySegment newPollFd(short events) {
        MemorySegment p = arena.allocate(8, 4);
        p.set(JAVA_INT, 0, fd);
        p.set(JAVA_SHORT, 4, events);
        return p;
    }

    MemorySegment newErrnoState() {
        return LibC.newErrnoState(arena);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.munmap(mapping);
            LibC.close(fd);
            arena.close();
        }
    }
}
