package dev.sluice.drivers.xdp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One steering rule of a {@linkplain XdpPrograms#steering steering program}: packets to
 * {@code address} (and {@code protocol}, and destination {@code port}) go to the AF_XDP socket of
 * the queue they arrive on; everything else goes to the kernel.
 *
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
 * <p>The program tries the most specific rule first: {address, protocol, port}, then
 * {address, protocol, any port}, then {address, any}. The program finds the headers as the
 * parser does ({@link dev.sluice.proto.HeaderWalk}): up to two VLAN tags, IPv4 options, IPv6
 * extension headers (the protocol is the one after them); a frame the walk refuses (truncated,
 * malformed, a third VLAN tag) matches no rule and goes to the kernel.
 *
 * @param address  the destination address (IPv4 or IPv6; an IPv4-mapped IPv6 literal is IPv4)
 * @param protocol IP protocol number, 0 for any ({@link #TCP}, {@link #UDP}, ...)
 * @param port     destination port, 0 for any; needs {@link #TCP} or {@link #UDP}
 */
public record SteeringRule(InetAddress address, int protocol, int port) {
    public static final int ANY = 0;
    public static final int TCP = 6;
    public static final int UDP = 17;

    public SteeringRule {
        Objects.requireNonNull(address, "address");
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

    public boolean isIpv4() {
        return address instanceof Inet4Address;
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
        return (isIpv4() ? host : "[" + host + "]") + ":" + (port == ANY ? "*" : Integer.toString(port)) + "/" + proto;
    }
}
