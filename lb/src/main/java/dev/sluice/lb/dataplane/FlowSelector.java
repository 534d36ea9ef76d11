package dev.sluice.lb.dataplane;

import dev.sluice.lb.maglev.MaglevTable;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The data plane's own choice for a flow given as addresses and ports, for
 * {@code sluice lb which}: the same VIP lookup ({@link LbTables#findVip}), flow hash
 * ({@link FlowHash#of}) and Maglev choice the handler makes for a new flow (a TCP SYN, or a packet
 * the connection table does not know). Not on the data path (allocates its answer).
 */
public final class FlowSelector {
    private FlowSelector() {
    }

    /**
     * The VIP and backend of a flow.
     *
     * @param vip       the VIP's name, or null when the destination is no VIP
     * @param backend   the backend a new flow goes to, or null (see {@code whyNone})
     * @param backendId its stable id, or -1
     * @param flowHash  the flow hash over the VIP's fields (0 without a VIP)
     * @param whyNone   null when there is a backend, else why not
     */
    public record Choice(String vip, InetAddress backend, int backendId, long flowHash, String whyNone) {
        public boolean hasBackend() {
            return backend != null;
        }
    }

    /** The choice for a flow of {@code protocol} (6 or 17) from {@code src:srcPort} to {@code dst:dstPort}. */
    public static Choice which(LbTables t, int protocol, InetAddress src, int srcPort, InetAddress dst, int dstPort) {
        boolean v6 = dst instanceof Inet6Address;
        if ((src instanceof Inet6Address) != v6) {
            return new Choice(null, null, -1, 0, "source and destination are of different address families");
        }
        int v = t.findVip(v6, Vip.hi(dst), Vip.lo(dst), protocol, dstPort);
        if (v == LbTables.NO_VIP) {
            return new Choice(null, null, -1, 0, "no VIP for " + protocolName(protocol) + " " + endpoint(dst, dstPort));
        }
        Vip vip = t.vip(v);
        long h = FlowHash.of(vip.hashFields, protocol, Vip.hi(src), Vip.lo(src), srcPort, Vip.hi(dst), Vip.lo(dst), dstPort);
        int b = vip.choose(h);
        if (b == MaglevTable.NO_BACKEND) {
            return new Choice(vip.name(), null, -1, h, "no backend of vip " + vip.name() + " takes new flows");
        }
        return new Choice(vip.name(), vip.backendAddresses[b], vip.backendIds[b], h, null);
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            default -> "protocol " + protocol;
        };
    }

    static String endpoint(InetAddress a, int port) {
        return a instanceof Inet6Address ? "[" + a.getHostAddress() + "]:" + port : a.getHostAddress() + ":" + port;
    }
}
