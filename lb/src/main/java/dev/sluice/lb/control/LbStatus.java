package dev.sluice.lb.control;

import java.time.Instant;
import java.util.List;

/**
 * A running balancer at one moment, as {@link LoadBalancer#status()} reports it (what
 * {@code sluice lb status} prints).
 *
 * @param interfaceName where VIP traffic arrives
 * @param pid           this process
 * @param started       when the balancer started
 * @param configLoaded  when the running configuration was applied (start or last reload)
 * @param configSource  the file it came from, or null when it was built in code
 * @param queues        RX queues opened (every queue of the interface)
 * @param workers       worker threads
 * @param flows         entries in the workers' connection tables, summed (expired ones count until
 *                      their slot is reused; read without stopping the workers, so a moment old)
 * @param flowCapacity  entries the connection tables hold at most, summed
 * @param vips          in configuration order
 */
public record LbStatus(String interfaceName, long pid, Instant started, Instant configLoaded, String configSource,
                       int queues, int workers, long flows, long flowCapacity, List<VipStatus> vips) {
    public LbStatus {
        vips = List.copyOf(vips);
    }
}
