package dev.sluice.lb.control;

import java.util.List;

/**
 * One VIP of an {@link LbStatus}. Counts are since the VIP was first configured (a VIP removed by a
 * reload and added again starts from zero).
 *
 * @param name             its configured name
 * @param address          the VIP's address, as text
 * @param protocol         "tcp" or "udp"
 * @param port             0 for every port
 * @param forwarding       "dsr", "ipip" or "gue"
 * @param packets          packets forwarded to its backends
 * @param bytes            bytes of those packets as they arrived
 * @param newFlows         flows given a backend by Maglev
 * @param dropped          its packets dropped (no backend, no MAC, ...)
 * @param packetsPerSecond forwarded packets per second over the last update interval
 * @param backends         in configuration order
 */
public record VipStatus(String name, String address, String protocol, int port, String forwarding,
                        long packets, long bytes, long newFlows, long dropped, double packetsPerSecond,
                        List<BackendStatus> backends) {
    public VipStatus {
        backends = List.copyOf(backends);
    }
}
