package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * rtnetlink requests for links: read a link's facts (queues, MTU, MAC, attached XDP program) and
 * attach or detach an XDP program the old way (IFLA_XDP), the fallback when bpf_link is missing.
 * Requests go through a {@link NetlinkSocket} (its comment has the nlmsghdr and attribute layout);
 * routes, neighbours and addresses are read by {@link Routes}, {@link Neighbours} and
 * {@link InterfaceAddresses}.
 *
 * <pre>
 * ifinfomsg (16, after nlmsghdr):  0 family u8   2 type u16   4 index i32   8 flags u32   12 change u32
 * attributes: IFLA_ADDRESS 1 (MAC), IFLA_MTU 4 (u32), IFLA_NUM_TX_QUEUES 31, IFLA_NUM_RX_QUEUES 32 (u32)
 * IFLA_XDP (43, nested): IFLA_XDP_FD 1 (i32), IFLA_XDP_ATTACHED 2 (u8), IFLA_XDP_FLAGS 3 (u32),
 *                        IFLA_XDP_PROG_ID 4 (u32)
 * </pre>
 */
public final class Netlink {
    private static final int NLMSG_HDR = 16;
    private static final int IFINFOMSG = 16;
    private static final short RTM_NEWLINK = 16;
    private static final short RTM_GETLINK = 18;
    private static final short RTM_SETLINK = 19;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_ACK = 4;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_TYPE_MASK = 0x3fff;
    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_MTU = 4;
    private static final int IFLA_XDP = 43;
    private static final int IFLA_NUM_TX_QUEUES = 31;
    private static final int IFLA_NUM_RX_QUEUES = 32;
    private static final int IFLA_XDP_FD = 1;
    private static final int IFLA_XDP_ATTACHED = 2;
    private static final int IFLA_XDP_FLAGS = 3;
    private static final int IFLA_XDP_PROG_ID = 4;

    /** IFLA_XDP_ATTACHED values. */
    public static final int XDP_ATTACHED_NONE = 0;
    public static final int XDP_ATTACHED_DRV = 1;
    public static final int XDP_ATTACHED_SKB = 2;
    public static final int XDP_ATTACHED_HW = 3;
    public static final int XDP_ATTACHED_MULTI = 4;

    private Netlink() {
    }

    /** What rtnetlink says about one link. */
    public record LinkInfo(int ifindex, int mtu, byte[] mac, int rxQueues, int txQueues, int xdpAttached, int xdpProgId) {
        public boolean hasXdpProgram() {
            return xdpAttached != XDP_ATTACHED_NONE;
        }

        public String xdpModeName() {
            return switch (xdpAttached) {
                case XDP_ATTACHED_NONE -> "none";
                case XDP_ATTACHED_DRV -> "native";
                case XDP_ATTACHED_SKB -> "generic";
                case XDP_ATTACHED_HW -> "offload";
                default -> "multi";
            };
        }
    }

    /** Reads the facts of the link {@code ifindex} in the calling thread's network namespace. */
    public static LinkInfo link(int ifindex) {
        try (NetlinkSocket socket = NetlinkSocket.open("reading link " + ifindex)) {
            return link(socket, ifindex);
        }
    }

    /** Reads the facts of the link {@code ifindex} in the namespace of {@code socket}. */
    public static LinkInfo link(NetlinkSocket socket, int ifindex) {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETLINK, 0, IFINFOMSG);
            request.fixed().set(JAVA_INT, 4, ifindex);
            LinkInfo[] found = new LinkInfo[1];
            socket.requestOrThrow(request.segment(), message -> found[0] = parseLink(message, ifindex),
                    "netlink RTM_GETLINK", "reading link " + ifindex);
            if (found[0] == null) {
                throw new IllegalStateException("no RTM_NEWLINK reply reading link " + ifindex);
            }
            return found[0];
        }
    }

    /**
     * Attaches {@code progFd} with IFLA_XDP ({@code progFd} -1 detaches). Unlike a bpf_link, such an
     * attachment outlives the process: callers must detach.
     */
    public static void setXdp(int ifindex, int progFd, int xdpFlags, String ifname) {
        String doing = (progFd < 0 ? "detaching the XDP program from " : "attaching the XDP program to ") + ifname;
        try (Arena arena = Arena.ofConfined(); NetlinkSocket socket = NetlinkSocket.open(doing)) {
            int xdpLen = 4 + 8 + 8;
            int len = NLMSG_HDR + IFINFOMSG + xdpLen;
            MemorySegment req = arena.allocate(len, 4);
            req.set(JAVA_SHORT, 4, RTM_SETLINK);
            req.set(JAVA_SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_ACK));
            req.set(JAVA_INT, NLMSG_HDR + 4, ifindex);
            long a = NLMSG_HDR + IFINFOMSG;
            req.set(JAVA_SHORT, a, (short) xdpLen);
            req.set(JAVA_SHORT, a + 2, (short) (IFLA_XDP | NLA_F_NESTED));
            req.set(JAVA_SHORT, a + 4, (short) 8);
            req.set(JAVA_SHORT, a + 6, (short) IFLA_XDP_FD);
            req.set(JAVA_INT, a + 8, progFd);
            req.set(JAVA_SHORT, a + 12, (short) 8);
            req.set(JAVA_SHORT, a + 14, (short) IFLA_XDP_FLAGS);
            req.set(JAVA_INT, a + 16, xdpFlags);
            socket.requestOrThrow(req, message -> { }, "netlink RTM_SETLINK IFLA_XDP", doing);
        }
    }

    private static LinkInfo parseLink(MemorySegment msg, int ifindex) {
        if (msg.get(JAVA_SHORT, 4) != RTM_NEWLINK) {
            throw new IllegalStateException("unexpected netlink reply type " + msg.get(JAVA_SHORT, 4));
        }
        int mtu = 0;
        int rxq = 1;
        int txq = 1;
        int attached = XDP_ATTACHED_NONE;
        int progId = 0;
        byte[] mac = new byte[0];
        long end = msg.byteSize();
        long a = NLMSG_HDR + IFINFOMSG;
        while (a + 4 <= end) {
            int len = Short.toUnsignedInt(msg.get(JAVA_SHORT, a));
            int type = msg.get(JAVA_SHORT, a + 2) & NLA_TYPE_MASK;
            if (len < 4 || a + len > end) {
                break;
            }
            long p = a + 4;
            switch (type) {
                case IFLA_MTU -> mtu = msg.get(JAVA_INT, p);
                case IFLA_ADDRESS -> mac = msg.asSlice(p, len - 4).toArray(JAVA_BYTE);
                case IFLA_NUM_RX_QUEUES -> rxq = msg.get(JAVA_INT, p);
                case IFLA_NUM_TX_QUEUES -> txq = msg.get(JAVA_INT, p);
                case IFLA_XDP -> {
                    long n = p;
                    while (n + 4 <= a + len) {
                        int nl = Short.toUnsignedInt(msg.get(JAVA_SHORT, n));
                        int nt = msg.get(JAVA_SHORT, n + 2) & NLA_TYPE_MASK;
                        if (nl < 4) {
                            break;
                        }
                        if (nt == IFLA_XDP_ATTACHED) {
                            attached = Byte.toUnsignedInt(msg.get(JAVA_BYTE, n + 4));
                        } else if (nt == IFLA_XDP_PROG_ID) {
                            progId = msg.get(JAVA_INT, n + 4);
                        }
                        n += align4(nl);
                    }
                }
                default -> {
                }
            }
            a += align4(len);
        }
        return new LinkInfo(ifindex, mtu, mac, rxq, txq, attached, progId);
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("Sluice supports little-endian hosts only");
        }
    }
}
