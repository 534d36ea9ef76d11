package dev.sluice.lb.config;

import java.net.InetAddress;
import java.util.List;

/**
 * One virtual service: packets to {@code address}, {@code protocol}, {@code port} are spread over
 * {@code backends}.
 *
 * @param name       unique label (counters, logs, {@code which})
 * @param address    IPv4 or IPv6; the balancer host does not own it
 * @param protocol   TCP or UDP
 * @param port       destination port, 0 = every port
 * @param forwarding how packets reach a backend
 * @param hash       which packet fields choose the backend
 * @param tableSize  Maglev table size, a prime (default {@link #DEFAULT_TABLE_SIZE})
 * @param guePort    UDP destination port of {@link Forwarding#GUE} packets
 * @param backends   at least one, addresses unique; in file order (the data plane sorts them)
 * @param health     part 2's health check; null when the file has none
 */
public record VipConfig(String name, InetAddress address, Protocol protocol, int port, Forwarding forwarding,
                        HashFields hash, int tableSize, int guePort, List<BackendConfig> backends,
                        HealthConfig health) {
    public static final int DEFAULT_TABLE_SIZE = 65537;
    public static final int DEFAULT_GUE_PORT = 6080;

    public VipConfig {
        backends = List.copyOf(backends);
    }
}
