package dev.sluice.drivers.afpacket;

/**
 * The kernel's counters of one AF_PACKET socket since it opened (struct tpacket_stats_v3, summed
 * over reads because the kernel clears them on each read).
 *
 * @param packets      packets the socket saw, including those it dropped
 * @param drops        packets dropped because no RX block was free (the application kept too many
 *                     blocks, or read too slowly)
 * @param freezeQueues times the kernel found the next RX block still owned by user space and froze
 *                     the ring until it came back
 */
public record AfPacketStatistics(long packets, long drops, long freezeQueues) {
    public static final AfPacketStatistics ZERO = new AfPacketStatistics(0, 0, 0);
}
