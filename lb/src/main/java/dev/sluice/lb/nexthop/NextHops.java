package dev.sluice.lb.nexthop;

import dev.sluice.sys.InterfaceAddress;
import dev.sluice.sys.InterfaceAddresses;
import dev.sluice.sys.LibC;
import dev.sluice.sys.Netlink;
import dev.sluice.sys.NetlinkSocket;
import dev.sluice.sys.Neighbour;
import dev.sluice.sys.Neighbours;
import dev.sluice.sys.Route;
import dev.sluice.sys.Routes;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's view of the balancer's link, for the control plane (never the fast path): the MAC of
 * an on-link neighbour (DSR backends), the MAC of the next hop toward a destination (encapsulated
 * traffic), and the interface's own addresses, MAC and MTU.
 *
 * <p>Everything is asked of the kernel through one rtnetlink socket opened by the constructor, so
 * the answers are those of the network namespace the constructing thread was in, whichever thread
 * asks later (the balancer's: the process's own). Methods are serialized on the socket.
 *
 * <p>A MAC is a long (48 low bits, first wire byte in bits 47..40), -1 ({@link #UNKNOWN}) when there
 * is none yet. Asking for an address the kernel has not resolved (or whose entry went STALE, which
 * the kernel never re-checks on its own since the data plane's frames bypass it) makes the kernel
 * resolve it ({@link Neighbours#resolve}): the answer shows up in a later call.
 */
public final class NextHops implements AutoCloseable {
    /** No MAC (yet): equals BackendConfig.MAC_FROM_KERNEL, what the data plane reads as "none". */
    public static final long UNKNOWN = -1L;
    private static final int AF_INET6 = 10;

    private final String interfaceName;
    private final int ifindex;
    private final NetlinkSocket socket;

    /**
     * Opens the kernel's tables for {@code interfaceName} in the calling thread's network namespace.
     *
     * @throws IllegalArgumentException when there is no such interface
     */
    public NextHops(String interfaceName) {
        this.interfaceName = interfaceName;
        this.ifindex = LibC.ifNameToIndex(interfaceName);
        if (ifindex == 0) {
            throw new IllegalArgumentException("no network interface named '" + interfaceName + "' (see 'ip link')");
        }
        this.socket = NetlinkSocket.open("opening the routing and neighbour tables for " + interfaceName);
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int interfaceIndex() {
        return ifindex;
    }

    /**
     * A DSR backend's MAC from the neighbour table of the interface, or {@link #UNKNOWN}. An address
     * without a usable entry is handed to the kernel to resolve; a STALE entry's MAC is returned and
     * the kernel is asked to confirm it.
     */
    public synchronized long neighbourMac(InetAddress onLink) {
        return macOf(Neighbours.get(socket, ifindex, onLink), onLink);
    }

    /**
     * The MAC that frames toward {@code destination} carry (encapsulation): the kernel's route to it
     * gives the gateway, or the destination itself when on-link; then that address's neighbour entry
     * as in {@link #neighbourMac}. {@link #UNKNOWN} when there is no route, the route leaves by
     * another interface (frames leave by this one), or the next hop is not resolved yet.
     */
    public synchronized long nextHopMac(InetAddress destination) {
        Route route = Routes.lookup(socket, destination);
        if (!route.reachable() || route.outputIfindex() != ifindex) {
            return UNKNOWN;
        }
        InetAddress hop = route.nextHop();
        return macOf(Neighbours.get(socket, ifindex, hop), hop);
    }

    /** The kernel's route to {@code destination} (for the next hop and for messages). */
    public synchronized Route route(InetAddress destination) {
        return Routes.lookup(socket, destination);
    }

    /**
     * Every neighbour entry of the interface (IPv4 and IPv6) in one dump per family, by address:
     * what a refresh of many targets reads instead of one request each.
     */
    public synchronized Map<InetAddress, Neighbour> neighbours() {
        Map<InetAddress, Neighbour> byAddress = new HashMap<>();
        for (Neighbour n : Neighbours.dump(socket, LibC.AF_INET, ifindex)) {
            byAddress.put(n.address(), n);
        }
        for (Neighbour n : Neighbours.dump(socket, AF_INET6, ifindex)) {
            byAddress.put(n.address(), n);
        }
        return byAddress;
    }

    /**
     * The MAC of {@code entry} (the interface's entry for {@code address}, null when it has none),
     * asking the kernel to resolve or confirm it when needed; for the refresher, which reads entries
     * by dump.
     */
    synchronized long macOf(Neighbour entry, InetAddress address) {
        if (entry == null || !entry.usable()) {
            if (entry == null || (entry.state() & Neighbour.NUD_INCOMPLETE) == 0) {
                Neighbours.resolve(socket, ifindex, address); // not already being resolved
            }
            return UNKNOWN;
        }
        if (entry.needsConfirmation()) {
            Neighbours.resolve(socket, ifindex, address);
        }
        return entry.mac();
    }

    /**
     * The interface's own usable addresses (IPv4 and IPv6; not tentative, not duplicates), those of
     * global scope first, each group in the kernel's order: the default outer source of encapsulation.
     */
    public synchronized List<InetAddress> interfaceAddresses() {
        List<InterfaceAddress> all = new ArrayList<>(InterfaceAddresses.dump(socket, 0, ifindex));
        all.removeIf(a -> !a.usable());
        all.sort(Comparator.comparingInt(a -> a.scope() == InterfaceAddress.RT_SCOPE_UNIVERSE ? 0 : 1));
        List<InetAddress> addresses = new ArrayList<>(all.size());
        for (InterfaceAddress a : all) {
            addresses.add(a.address());
        }
        return addresses;
    }

    /** The interface's MAC (a long, as every MAC here), {@link #UNKNOWN} when it has none. */
    public synchronized long interfaceMac() {
        byte[] mac = Netlink.link(socket, ifindex).mac();
        if (mac.length != 6) {
            return UNKNOWN;
        }
        long value = 0;
        for (byte b : mac) {
            value = (value << 8) | Byte.toUnsignedLong(b);
        }
        return value;
    }

    /** The interface's MTU (its current value: it may change while the balancer runs). */
    public synchronized int interfaceMtu() {
        return Netlink.link(socket, ifindex).mtu();
    }

    /** Formats a MAC as {@code aa:bb:cc:dd:ee:ff} (for messages). */
    public static String format(long mac) {
        if (mac == UNKNOWN) {
            return "none";
        }
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int b = (int) (mac >>> shift) & 0xff;
            sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
