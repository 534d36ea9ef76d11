package dev.sluice.lb.nexthop;

import dev.sluice.sys.NetNs;
import dev.sluice.sys.NetlinkSocket;
import dev.sluice.testing.Commands;
import dev.sluice.testing.NetnsPair;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** What the next-hop tests share: opening things inside a namespace, MACs as longs, names. */
final class Namespaces {
    private Namespaces() {
    }

    /** A pair with IPv4 and IPv6 addresses (v6 ones fixed: each pair has its own namespaces). */
    static NetnsPair pair() {
        return NetnsPair.spec("nexthop").ipv6("fd00:5a:1::1", "fd00:5a:1::2").create();
    }

    /** A NextHops whose socket lives in {@code ns}, usable from this thread after it left the namespace. */
    static NextHops nextHopsIn(String ns, String ifname) {
        try (NetNs.Scope ignored = NetNs.enter(ns)) {
            return new NextHops(ifname);
        }
    }

    static NetlinkSocket socketIn(String ns) {
        try (NetNs.Scope ignored = NetNs.enter(ns)) {
            return NetlinkSocket.open("testing");
        }
    }

    static int ifindexIn(String ns, String ifname) {
        String out = Commands.run("ip", "-n", ns, "-o", "link", "show", "dev", ifname);
        return Integer.parseInt(out.substring(0, out.indexOf(':')).trim());
    }

    static long mac(String text) {
        return Long.parseLong(text.replace(":", ""), 16);
    }

    static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
