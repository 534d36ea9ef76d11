package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The kernel's own route lookup for one destination (RTM_GETROUTE without NLM_F_DUMP: what {@code ip
 * route get ADDR} asks), so policy rules, metrics, multipath choice and on-link routes are the
 * kernel's, not re-implemented here.
 *
 * <pre>
 * rtmsg (12, after nlmsghdr):  0 family u8   1 dst_len u8   2 src_len u8   3 tos u8
 *                              4 table u8    5 protocol u8  6 scope u8     7 type u8 (RTN_*)
 *                              8 flags u32
 * request:  family, dst_len 32 or 128, RTA_DST
 * reply:    RTM_NEWROUTE with RTA_OIF 4 (u32), RTA_GATEWAY 5 (same family), RTA_PREFSRC 7,
 *           RTA_VIA 18 (family u16 + address: an IPv4 route via an IPv6 router)
 * </pre>
 */
public final class Routes {
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_GETROUTE = 26;
    private static final int RTMSG = 12;
    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    private static final int RTA_PREFSRC = 7;
    private static final int RTA_VIA = 18;
    private static final int AF_INET6 = 10;

    private Routes() {
    }

    /** The route to {@code destination}; a {@link Route} with an errno when the kernel has none. */
    public static Route lookup(NetlinkSocket socket, InetAddress destination) {
        boolean v4 = destination instanceof Inet4Address;
        Route[] found = new Route[1];
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETROUTE, 0, RTMSG);
            request.fixed().set(JAVA_BYTE, 0, (byte) (v4 ? LibC.AF_INET : AF_INET6));
            request.fixed().set(JAVA_BYTE, 1, (byte) (v4 ? 32 : 128));
            request.attribute(RTA_DST, destination.getAddress());
            String doing = "looking up the route to " + destination.getHostAddress();
            int errno = socket.request(request.segment(), message -> found[0] = parse(message, destination),
                    "netlink RTM_GETROUTE", doing);
            if (errno != 0) {
                if (errno == Errno.EPERM || errno == Errno.ENOMEM || errno == Errno.ENOBUFS) {
                    throw new NativeException("netlink RTM_GETROUTE", errno, doing, Remedies.of("netlink RTM_GETROUTE", errno));
                }
                return Route.none(destination, errno);
            }
        }
        return found[0] != null ? found[0] : Route.none(destination, Errno.ENETUNREACH);
    }

    static Route parse(MemorySegment message, InetAddress destination) {
        if (message.get(JAVA_SHORT, 4) != RTM_NEWROUTE || message.byteSize() < NetlinkSocket.NLMSG_HDR + RTMSG) {
            return null;
        }
        long base = NetlinkSocket.NLMSG_HDR;
        int type = Byte.toUnsignedInt(message.get(JAVA_BYTE, base + 7));
        int[] oif = new int[1];
        InetAddress[] gateway = new InetAddress[1];
        InetAddress[] source = new InetAddress[1];
        NetlinkAttributes.forEach(message, base + RTMSG, (attribute, at, length) -> {
            switch (attribute) {
                case RTA_OIF -> oif[0] = length >= 4 ? message.get(JAVA_INT, at) : 0;
                case RTA_GATEWAY -> gateway[0] = NetlinkAttributes.address(message, at, length);
                case RTA_VIA -> gateway[0] = length > 2 ? NetlinkAttributes.address(message, at + 2, length - 2) : null;
                case RTA_PREFSRC -> source[0] = NetlinkAttributes.address(message, at, length);
                default -> {
                }
            }
        });
        return new Route(destination, 0, type, oif[0], gateway[0], source[0]);
    }
}
