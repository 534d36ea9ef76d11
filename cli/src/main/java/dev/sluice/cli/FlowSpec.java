package dev.sluice.cli;

import dev.sluice.lb.config.Literals;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * One flow as {@code sluice lb which} reads it: {@code PROTO:SRC:SPORT:DST:DPORT}, an IPv6 address
 * in brackets, e.g. {@code tcp:192.0.2.7:40000:10.0.0.100:80} or
 * {@code udp:[2001:db8::7]:5353:[2001:db8::100]:53}. PROTO is {@code tcp}, {@code udp} or an IP
 * protocol number (0..255). Addresses are literals as the configuration writes them
 * ({@link Literals#address}): nothing is looked up.
 *
 * @param protocol IP protocol number
 */
record FlowSpec(int protocol, InetAddress source, int sourcePort, InetAddress destination, int destinationPort) {
    /** Parses {@code text}; throws {@link IllegalArgumentException} with what is wrong, for people. */
    static FlowSpec parse(String text) {
        String s = text.strip();
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected PROTO:SRC:SPORT:DST:DPORT (IPv6 in brackets)");
        }
        int protocol = protocol(s.substring(0, colon));
        Cursor c = new Cursor(s, colon + 1);
        InetAddress src = c.address("source");
        int sport = c.port("source port", true);
        InetAddress dst = c.address("destination");
        int dport = c.port("destination port", false);
        if ((src instanceof Inet6Address) != (dst instanceof Inet6Address)) {
            throw new IllegalArgumentException("source " + src.getHostAddress() + " and destination " + dst.getHostAddress()
                    + " are of different families");
        }
        return new FlowSpec(protocol, src, sport, dst, dport);
    }

    private static int protocol(String p) {
        return switch (p.toLowerCase()) {
            case "tcp" -> 6;
            case "udp" -> 17;
            default -> {
                try {
                    int n = Integer.parseInt(p);
                    if (n >= 0 && n <= 255) {
                        yield n;
                    }
                } catch (NumberFormatException ignored) {
                    // said below
                }
                throw new IllegalArgumentException("protocol '" + p + "' is not tcp, udp or a number 0..255");
            }
        };
    }

    /** The flow in the form it is read in, addresses canonical. */
    @Override
    public String toString() {
        String proto = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : Integer.toString(protocol);
        return proto + ":" + literal(source) + ":" + sourcePort + ":" + literal(destination) + ":" + destinationPort;
    }

    static String literal(InetAddress a) {
        return a instanceof Inet6Address ? "[" + text(a) + "]" : a.getHostAddress();
    }

    /** An address as people write it ({@link Literals#text}: IPv6 in RFC 5952 form). */
    static String text(InetAddress a) {
        return Literals.text(a);
    }

    /** Reads the fields after PROTO, left to right. */
    private static final class Cursor {
        private final String s;
        private int at;

        Cursor(String s, int at) {
            this.s = s;
            this.at = at;
        }

        InetAddress address(String what) {
            String literal;
            if (at < s.length() && s.charAt(at) == '[') {
                int close = s.indexOf(']', at);
                if (close < 0) {
                    throw new IllegalArgumentException(what + " address: '[' without ']'");
                }
                literal = s.substring(at + 1, close);
                at = close + 1;
                if (at >= s.length() || s.charAt(at) != ':') {
                    throw new IllegalArgumentException("expected ':' and a port after the " + what + " address");
                }
                at++;
                InetAddress a = parseLiteral(what, literal);
                if (!(a instanceof Inet6Address)) {
                    throw new IllegalArgumentException(what + " address '" + literal + "' in brackets is not IPv6");
                }
                return a;
            }
            int colon = s.indexOf(':', at);
            if (colon < 0) {
                throw new IllegalArgumentException("expected PROTO:SRC:SPORT:DST:DPORT (IPv6 in brackets)");
            }
            literal = s.substring(at, colon);
            at = colon + 1;
            InetAddress a = parseLiteral(what, literal);
            if (a instanceof Inet6Address) {
                throw new IllegalArgumentException(what + " address '" + literal + "': write IPv6 in brackets");
            }
            return a;
        }

        int port(String what, boolean more) {
            int end = more ? s.indexOf(':', at) : s.length();
            if (end < 0) {
                throw new IllegalArgumentException("expected PROTO:SRC:SPORT:DST:DPORT (IPv6 in brackets)");
            }
            String p = s.substring(at, end);
            at = end + 1;
            try {
                int n = Integer.parseInt(p);
                if (n >= 0 && n <= 65535) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // said below
            }
            throw new IllegalArgumentException(what + " '" + p + "' is not a number 0..65535");
        }

        private static InetAddress parseLiteral(String what, String literal) {
            try {
                return Literals.address(literal);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " address: " + e.getMessage());
            }
        }
    }
}
