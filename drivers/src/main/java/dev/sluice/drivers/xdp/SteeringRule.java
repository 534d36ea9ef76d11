package dev.sluice.drivers.xdp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One steering rule of a {@linkplain XdpPrograms#steering steering program}: the packets it names
 * go to the AF_XDP socket of the RX queue they arrive on; everything else goes to the kernel.
 *
 * <p>An {@link Kind#EXACT exact} rule takes exactly the packets it names:
 * <ul>
 *   <li>{@code protocol} 0 and {@code port} 0: every packet to the address, whatever its protocol,
 *       including ICMP echo and ICMPv6 neighbour discovery sent to that address: an address-only
 *       rule takes the address away from the host stack.</li>
 *   <li>{@code protocol} set, {@code port} 0: every packet of that IP protocol to the address,
 *       including non-first fragments.</li>
 *   <li>{@code protocol} TCP or UDP and {@code port} set: that destination port only; non-first
 *       fragments (IPv4 or IPv6) carry no port and never match such a rule.</li>
 * </ul>
 *
 * <p>A {@link Kind#VIP VIP} rule ({@link #vip}) is a load balancer's virtual service: an address, TCP
 * or UDP, one port or all (0). It takes what a balancer needs to serve the service and nothing the
 * host needs to stay reachable:
 *
 * <pre>
 * packet to the VIP's address                              VIP tcp/udp, port P      VIP tcp/udp, port 0
 * -------------------------------------------------------  ----------------------  --------------------
 * its protocol, destination port P (IPv4 options and IPv6   socket                  socket (any port)
 *   extension headers walked; a first fragment has ports)
 * its protocol, another destination port                   kernel                  socket
 * its protocol, non-first fragment (no ports; IPv6: the    socket                  socket
 *   Fragment header's Next Header is the protocol)
 * ICMP echo request (8), ICMP dest. unreachable /          socket                  socket
 *   fragmentation needed (type 3 code 4)
 * ICMPv6 echo request (128), packet too big (2)            socket                  socket
 * ICMPv6 neighbour discovery (133..137), other ICMP/ICMPv6 kernel                  kernel
 *   types, ICMP non-first fragments
 * another protocol                                         kernel                  kernel
 * ARP, anything to another address, frames the walk        kernel                  kernel
 *   refuses (truncated, malformed, a third VLAN tag)
 * </pre>
 *
 * <p>So a VIP with a port also takes the non-first fragments of its protocol to other ports of its
 * address (they carry no port to tell them apart); the balancer drops or forwards them. A datagram
 * whose first fragment the rule does not take (another port) still has its later fragments taken.
 *
 * <p>Rules add up: a packet goes to the socket when any rule takes it. The program tries the most
 * specific key first: {address, protocol, port}, then {address, protocol, any port}, then
 * {address, any}. It finds the headers as the parser does ({@link dev.sluice.proto.HeaderWalk}):
 * up to two VLAN tags, IPv4 options, IPv6 extension headers (hop-by-hop, routing, fragment,
 * destination options, AH; at most {@link dev.sluice.proto.HeaderWalk#MAX_IPV6_EXTENSION_HEADERS};
 * the protocol is the one after them); a frame the walk refuses matches no rule.
 *
 * @param address  the destination address (IPv4 or IPv6; an IPv4-mapped IPv6 literal is IPv4)
 * @param protocol IP protocol number, 0 for any ({@link #TCP}, {@link #UDP}, ...); a VIP: TCP or UDP
 * @param port     destination port, 0 for any; needs {@link #TCP} or {@link #UDP}
 * @param kind     {@link Kind#EXACT} (the packets named) or {@link Kind#VIP} (a service, see above)
 */
public record SteeringRule(InetAddress address, int protocol, int port, Kind kind) {
    public static final int ANY = 0;
    public static final int TCP = 6;
    public static final int UDP = 17;

    /** What a rule takes besides the packets its key names. */
    public enum Kind {
        /** Exactly the packets to the address (and protocol, and port). */
        EXACT,
        /** A load balancer's service: also its non-first fragments and the ICMP a balancer answers or forwards. */
        VIP
    }

    public SteeringRule {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(kind, "kind");
        if (!(address instanceof Inet4Address) && !(address instanceof Inet6Address)) {
            throw new IllegalArgumentException("address " + address + " is neither IPv4 nor IPv6");
        }
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol " + protocol + " is outside 0..255");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
        if (port != ANY && protocol != TCP && protocol != UDP) {
            throw new IllegalArgumentException("a port rule needs protocol TCP (6) or UDP (17), not " + protocol);
        }
        if (kind == Kind.VIP && protocol != TCP && protocol != UDP) {
            throw new IllegalArgumentException("a VIP rule needs protocol TCP (6) or UDP (17), not " + protocol);
        }
    }

    /** An {@link Kind#EXACT exact} rule. */
    public SteeringRule(InetAddress address, int protocol, int port) {
        this(address, protocol, port, Kind.EXACT);
    }

    /** Every packet to {@code address}. */
    public static SteeringRule address(InetAddress address) {
        return new SteeringRule(address, ANY, ANY);
    }

    /** UDP to {@code address}, {@code port} (0 for every port). */
    public static SteeringRule udp(InetAddress address, int port) {
        return new SteeringRule(address, UDP, port);
    }

    /** TCP to {@code address}, {@code port} (0 for every port). */
    public static SteeringRule tcp(InetAddress address, int port) {
        return new SteeringRule(address, TCP, port);
    }

    /**
     * A load balancer's virtual service: {@code protocol} ({@link #TCP} or {@link #UDP}) to
     * {@code address}, {@code port} (0 for every port), with its fragments and ICMP (table above).
     */
    public static SteeringRule vip(InetAddress address, int protocol, int port) {
        return new SteeringRule(address, protocol, port, Kind.VIP);
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    public boolean isVip() {
        return kind == Kind.VIP;
    }

    @Override
    public String toString() {
        String proto = switch (protocol) {
            case ANY -> "any";
            case TCP -> "tcp";
            case UDP -> "udp";
            default -> "proto " + protocol;
        };
        String host = address.getHostAddress();
        return (isIpv4() ? host : "[" + host + "]") + ":" + (port == ANY ? "*" : Integer.toString(port)) + "/" + proto
                + (kind == Kind.VIP ? " vip" : "");
    }
}
