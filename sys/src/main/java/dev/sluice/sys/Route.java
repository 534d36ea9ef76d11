package dev.sluice.sys;

import java.net.InetAddress;

/**
 * The kernel's answer to "how do I reach this address" ({@link Routes#lookup}), as {@code ip route
 * get} prints it.
 *
 * @param destination     the address asked about
 * @param errno           0 when the kernel has a route; else why not (ENETUNREACH, EHOSTUNREACH,
 *                        EACCES for a prohibit route, EINVAL for a blackhole ...), other fields empty
 * @param type            RTN_* (unicast 1, local 2, ...), 0 with an errno
 * @param outputIfindex   the interface the route leaves by, 0 when none
 * @param gateway         the next router, or null when the destination is on-link
 * @param preferredSource the source address the kernel would use, or null
 */
public record Route(InetAddress destination, int errno, int type, int outputIfindex, InetAddress gateway,
                    InetAddress preferredSource) {
    public static final int RTN_UNICAST = 1;
    public static final int RTN_LOCAL = 2;

    static Route none(InetAddress destination, int errno) {
        return new Route(destination, errno, 0, 0, null, null);
    }

    /** Whether frames to the destination leave this host through {@link #outputIfindex} (a unicast route). */
    public boolean reachable() {
        return errno == 0 && type == RTN_UNICAST && outputIfindex != 0;
    }

    /** The address whose link-layer address frames to the destination carry: the gateway, or the destination when on-link. */
    public InetAddress nextHop() {
        return gateway != null ? gateway : destination;
    }

    /** Why the destination is not {@link #reachable()}, for messages; "" when it is. */
    public String problem() {
        if (errno != 0) {
            String what = Errno.describe(errno);
            return "no route (" + Errno.name(errno) + (what.isEmpty() ? "" : ": " + what) + ")";
        }
        if (type != RTN_UNICAST) {
            return type == RTN_LOCAL ? "it is an address of this host" : "the route is not unicast (type " + type + ")";
        }
        return outputIfindex == 0 ? "the route has no output interface" : "";
    }
}
