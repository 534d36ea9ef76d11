package dev.sluice.drivers.afxdp;

import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * How many RX queues an interface uses now: the kernel's {@code real_num_rx_queues}, the bound an
 * AF_XDP bind checks, which can be below the number allocated that rtnetlink reports
 * (IFLA_NUM_RX_QUEUES; a veth allocates one queue per CPU and uses one). Asked with ethtool's
 * ETHTOOL_GCHANNELS; a driver without channel support uses every queue it allocated.
 *
 * <pre>
 * ioctl(fd, SIOCETHTOOL, struct ifreq *)
 *   struct ifreq, 40 bytes:  0  char ifr_name[16]    16  void *ifr_data → struct ethtool_channels
 *   struct ethtool_channels, 36 bytes, u32 each:
 *      0 cmd (ETHTOOL_GCHANNELS)   4 max_rx   8 max_tx   12 max_other   16 max_combined
 *     20 rx_count   24 tx_count   28 other_count   32 combined_count
 * RX queues in use = rx_count + combined_count
 * </pre>
 */
final class RxQueues {
    /** ioctl(2) on x86-64, as {@link LibC#SYS_BPF} is bpf(2) there. */
    private static final long SYS_IOCTL = 16;
    private static final int SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GCHANNELS = 0x3c;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int IFR_DATA_OFFSET = 16;
    private static final int CHANNELS_SIZE = 36;
    private static final int RX_COUNT_OFFSET = 20;
    private static final int COMBINED_COUNT_OFFSET = 32;

    private RxQueues() {
    }

    /**
     * The RX queues {@code ifname} uses, in the current thread's network namespace; {@code allocated}
     * (rtnetlink's count) when the driver does not report channels.
     */
    static int inUse(String ifname, int allocated) {
        byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            return allocated;
        }
        int fd = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0, "socket(AF_INET)",
                "opening a socket to ask " + ifname + " for its channels");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment channels = arena.allocate(CHANNELS_SIZE, 8);
            channels.set(JAVA_INT, 0, ETHTOOL_GCHANNELS);
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(name, 0, ifreq, JAVA_BYTE, 0, name.length);
            ifreq.set(ADDRESS, IFR_DATA_OFFSET, channels);
            MemorySegment state = LibC.setupErrnoState();
            if (LibC.syscall(state, SYS_IOCTL, fd, SIOCETHTOOL, ifreq.address()) < 0) {
                int errno = LibC.errno(state);
                if (errno == Errno.EOPNOTSUPP || errno == Errno.EINVAL) {
                    return allocated;
                }
                throw new NativeException("ioctl(SIOCETHTOOL, ETHTOOL_GCHANNELS)", errno, "asking " + ifname + " for its channels",
                        errno == Errno.ENODEV ? "the interface is gone: check 'ip link'" : "");
            }
            int inUse = channels.get(JAVA_INT, RX_COUNT_OFFSET) + channels.get(JAVA_INT, COMBINED_COUNT_OFFSET);
            return inUse > 0 ? Math.min(inUse, allocated) : allocated;
        } finally {
            LibC.close(fd);
        }
    }
}
