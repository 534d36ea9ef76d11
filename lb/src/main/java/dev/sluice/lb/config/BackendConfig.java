package dev.sluice.lb.config;

import java.net.InetAddress;

/**
 * One backend of a VIP.
 *
 * @param address IPv4 or IPv6 (may differ from the VIP's family for ipip and gue)
 * @param weight  0..{@link #MAX_WEIGHT}; 0 drains (no new flows), default {@link #DEFAULT_WEIGHT}
 * @param mac     for dsr: the backend's MAC as the 48 low bits, or {@link #MAC_FROM_KERNEL} to take
 *                it from the kernel's neighbour table
 */
public record BackendConfig(InetAddress address, int weight, long mac) {
    public static final int MAX_WEIGHT = 65535;
    public static final int DEFAULT_WEIGHT = 100;
    public static final long MAC_FROM_KERNEL = -1L;

    public boolean hasMac() {
        return mac != MAC_FROM_KERNEL;
    }
}
