package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Interfaces' addresses over rtnetlink (an RTM_GETADDR dump).
 *
 * <pre>
 * ifaddrmsg (8, after nlmsghdr):  0 family u8   1 prefixlen u8   2 flags u8 (IFA_F_*, low 8 bits)
 *                                 3 scope u8    4 index u32
 * attributes: IFA_ADDRESS 1, IFA_LOCAL 2 (IPv4: the local address; IFA_ADDRESS is the peer on a
 *             point-to-point link), IFA_LABEL 3, IFA_FLAGS 8 (u32, all the flags)
 * </pre>
 * The kernel filters a dump by interface only for strict-checking sockets, so the interface is
 * filtered here.
 */
public final class InterfaceAddresses {
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_GETADDR = 22;
    private static final int IFADDRMSG = 8;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_FLAGS = 8;
    private static final int DUMP_ATTEMPTS = 5;

    private InterfaceAddresses() {
    }

    /** Every address of {@code family} (AF_INET 2, AF_INET6 10, or 0 for both) on {@code ifindex} (0: every interface), in the kernel's order. */
    public static List<InterfaceAddress> dump(NetlinkSocket socket, int family, int ifindex) {
        List<InterfaceAddress> addresses = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int attempt = 1; ; attempt++) {
                NetlinkRequest request = new NetlinkRequest(arena, RTM_GETADDR, 0, IFADDRMSG);
                request.fixed().set(JAVA_BYTE, 0, (byte) family);
                addresses.clear();
                boolean consistent = socket.dump(request.segment(), message -> {
                    InterfaceAddress a = parse(message);
                    if (a != null && (ifindex == 0 || a.ifindex() == ifindex)) {
                        addresses.add(a);
                    }
                }, "netlink RTM_GETADDR", "reading the addresses of " + (ifindex == 0 ? "every interface" : "interface " + ifindex));
                if (consistent || attempt == DUMP_ATTEMPTS) {
                    return addresses;
                }
            }
        }
    }

    static InterfaceAddress parse(MemorySegment message) {
        if (message.get(JAVA_SHORT, 4) != RTM_NEWADDR || message.byteSize() < NetlinkSocket.NLMSG_HDR + IFADDRMSG) {
            return null;
        }
        long base = NetlinkSocket.NLMSG_HDR;
        int prefixLength = Byte.toUnsignedInt(message.get(JAVA_BYTE, base + 1));
        int[] flags = {Byte.toUnsignedInt(message.get(JAVA_BYTE, base + 2))};
        int scope = Byte.toUnsignedInt(message.get(JAVA_BYTE, base + 3));
        int ifindex = message.get(JAVA_INT, base + 4);
        InetAddress[] address = new InetAddress[1];
        InetAddress[] local = new InetAddress[1];
        NetlinkAttributes.forEach(message, base + IFADDRMSG, (type, at, length) -> {
            switch (type) {
                case IFA_ADDRESS -> address[0] = NetlinkAttributes.address(message, at, length);
                case IFA_LOCAL -> local[0] = NetlinkAttributes.address(message, at, length);
                case IFA_FLAGS -> flags[0] = length >= 4 ? message.get(JAVA_INT, at) : flags[0];
                default -> {
                }
            }
        });
        InetAddress own = local[0] != null ? local[0] : address[0];
        return own == null ? null : new InterfaceAddress(ifindex, own, prefixLength, scope, flags[0]);
    }
}
