package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The kernel's neighbour tables over rtnetlink: read them ({@link #dump}, {@link #get}) and make the
 * kernel resolve an address ({@link #resolve}).
 *
 * <pre>
 * ndmsg (12, after nlmsghdr):  0 family u8 (AF_INET, AF_INET6; AF_UNSPEC dumps all)
 *                              1 pad u8, 2 pad u16
 *                              4 ifindex i32
 *                              8 state u16 (NUD_*)
 *                             10 flags u8 (NTF_*)
 *                             11 type u8
 * attributes: NDA_DST 1 (4 or 16 bytes), NDA_LLADDR 2 (6 bytes on Ethernet),
 *             NDA_IFINDEX 8 (u32, in a dump request: only this interface)
 * </pre>
 *
 * <p>Resolution is RTM_NEWNEIGH with NLM_F_CREATE and NTF_USE, what {@code ip neigh replace ADDR dev
 * IF use} sends: the kernel creates the entry if it is missing and treats the request as if a packet
 * were waiting for it. An unknown or FAILED entry becomes INCOMPLETE and the kernel solicits
 * (broadcast ARP request / multicast neighbour solicitation) right away; a STALE one goes through
 * DELAY to PROBE (unicast confirmation); a REACHABLE one is left alone. Nothing is sent to the
 * neighbour by us, no socket or route is involved, and the kernel's retransmission and failure
 * timers apply. Needs CAP_NET_ADMIN.
 */
public final class Neighbours {
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_GETNEIGH = 30;
    public static final int NTF_USE = 0x01;
    private static final int NDMSG = 12;
    private static final int NDA_DST = 1;
    private static final int NDA_LLADDR = 2;
    private static final int NDA_IFINDEX = 8;
    private static final int AF_INET6 = 10;
    private static final int DUMP_ATTEMPTS = 5;

    private Neighbours() {
    }

    /**
     * Every neighbour of {@code family} (AF_INET 2, AF_INET6 10, or 0 for both) on {@code ifindex}
     * (0: every interface). Dumped again when the kernel says the table changed during the dump.
     */
    public static List<Neighbour> dump(NetlinkSocket socket, int family, int ifindex) {
        List<Neighbour> entries = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int attempt = 1; ; attempt++) {
                NetlinkRequest request = new NetlinkRequest(arena, RTM_GETNEIGH, 0, NDMSG);
                request.fixed().set(JAVA_BYTE, 0, (byte) family);
                if (ifindex != 0) {
                    request.attributeInt(NDA_IFINDEX, ifindex);
                }
                entries.clear();
                boolean consistent = socket.dump(request.segment(), message -> {
                    Neighbour n = parse(message);
                    if (n != null && (ifindex == 0 || n.ifindex() == ifindex)) {
                        entries.add(n);
                    }
                }, "netlink RTM_GETNEIGH", "reading the neighbour table");
                if (consistent || attempt == DUMP_ATTEMPTS) {
                    return entries;
                }
            }
        }
    }

    /** The entry for {@code address} on {@code ifindex}, or null when the kernel has none. */
    public static Neighbour get(NetlinkSocket socket, int ifindex, InetAddress address) {
        Neighbour[] found = new Neighbour[1];
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETNEIGH, 0, NDMSG);
            header(request, ifindex, address, 0, 0);
            request.attribute(NDA_DST, address.getAddress());
            String doing = "reading the neighbour entry of " + address.getHostAddress() + " on interface " + ifindex;
            int errno = socket.request(request.segment(), message -> found[0] = parse(message), "netlink RTM_GETNEIGH", doing);
            if (errno == Errno.ENOENT) {
                return null;
            }
            if (errno != 0) {
                throw new NativeException("netlink RTM_GETNEIGH", errno, doing, Remedies.of("netlink RTM_GETNEIGH", errno));
            }
        }
        return found[0];
    }

    /**
     * Makes the kernel resolve {@code address} on {@code ifindex} now (see the class comment); returns
     * at once, the answer arrives in the table later.
     */
    public static void resolve(NetlinkSocket socket, int ifindex, InetAddress address) {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_NEWNEIGH, NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE, NDMSG);
            header(request, ifindex, address, Neighbour.NUD_NONE, NTF_USE);
            request.attribute(NDA_DST, address.getAddress());
            socket.requestOrThrow(request.segment(), message -> { }, "netlink RTM_NEWNEIGH",
                    "asking the kernel to resolve " + address.getHostAddress() + " on interface " + ifindex);
        }
    }

    private static void header(NetlinkRequest request, int ifindex, InetAddress address, int state, int flags) {
        MemorySegment ndmsg = request.fixed();
        ndmsg.set(JAVA_BYTE, 0, (byte) (address instanceof Inet4Address ? LibC.AF_INET : AF_INET6));
        ndmsg.set(JAVA_INT, 4, ifindex);
        ndmsg.set(JAVA_SHORT, 8, (short) state);
        ndmsg.set(JAVA_BYTE, 10, (byte) flags);
    }

    /** One RTM_NEWNEIGH message, or null when it is something else or has no IP address. */
    static Neighbour parse(MemorySegment message) {
        if (message.get(JAVA_SHORT, 4) != RTM_NEWNEIGH || message.byteSize() < NetlinkSocket.NLMSG_HDR + NDMSG) {
            return null;
        }
        long base = NetlinkSocket.NLMSG_HDR;
        int ifindex = message.get(JAVA_INT, base + 4);
        int state = Short.toUnsignedInt(message.get(JAVA_SHORT, base + 8));
        int flags = Byte.toUnsignedInt(message.get(JAVA_BYTE, base + 10));
        InetAddress[] address = new InetAddress[1];
        long[] mac = {-1L};
        NetlinkAttributes.forEach(message, base + NDMSG, (type, at, length) -> {
            if (type == NDA_DST) {
                address[0] = NetlinkAttributes.address(message, at, length);
            } else if (type == NDA_LLADDR) {
                mac[0] = NetlinkAttributes.mac(message, at, length);
            }
        });
        return address[0] == null ? null : new Neighbour(ifindex, address[0], mac[0], state, flags);
    }
}
