package dev.sluice.lb.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A validated load-balancer configuration: what {@code sluice lb --config FILE} runs. Built only by
 * the loader, which checks every value and reports the file, line, column and key path of the first
 * problem; every instance is therefore complete and consistent.
 *
 * @param source        the file it was read from (for messages; null when built in code)
 * @param interfaceName where VIP traffic arrives and DSR traffic leaves
 * @param workers       worker threads; 0 = one per RX queue of the interface
 * @param vips          at least one; names and (address, protocol, port) unique
 * @param connections   the per-worker connection table
 * @param encapsulation outer addresses and next hop of {@code ipip} and {@code gue} VIPs
 */
public record LbConfig(Path source, String interfaceName, int workers, List<VipConfig> vips,
                       ConnectionsConfig connections, EncapsulationConfig encapsulation) {
    public LbConfig {
        vips = List.copyOf(vips);
    }
}
