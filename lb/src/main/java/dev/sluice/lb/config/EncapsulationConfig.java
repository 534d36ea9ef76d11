package dev.sluice.lb.config;

import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * Outer headers of encapsulated ({@code ipip}, {@code gue}) packets. The outer source address is
 * derived from the flow within a prefix per family, so that backends' NICs spread flows over their
 * queues; the outer destination is the backend.
 *
 * @param sourcePrefix4       IPv4 prefix of outer sources (null: the interface's own IPv4 address)
 * @param sourcePrefix4Length its length, 0..32
 * @param sourcePrefix6       IPv6 prefix of outer sources (null: the interface's own IPv6 address)
 * @param sourcePrefix6Length its length, 0..128
 * @param nextHopMac          MAC to send encapsulated packets to (48 low bits), or
 *                            {@link BackendConfig#MAC_FROM_KERNEL} to follow the kernel's route
 */
public record EncapsulationConfig(Inet4Address sourcePrefix4, int sourcePrefix4Length,
                                  Inet6Address sourcePrefix6, int sourcePrefix6Length, long nextHopMac) {
    public static EncapsulationConfig defaults() {
        return new EncapsulationConfig(null, 32, null, 128, BackendConfig.MAC_FROM_KERNEL);
    }
}
