/**
 * The AF_PACKET driver: TPACKET_V3 memory-mapped RX and TX rings, for hosts or interfaces where
 * AF_XDP cannot be set up. {@link dev.sluice.drivers.afpacket.AfPacketPort} is the {@code Port}.
 * Ring layouts are in {@link dev.sluice.sys.TpacketDescriptor}.
 *
 * <p>Classes: {@code AfPacketSocket} (setup, statistics), {@code TpacketRxRing} (walking RX
 * blocks), {@code TpacketTxRing} (filling and reclaiming TX frames), {@code AfPacketPort} (the
 * data path over both, with the port's own frame pool).
 */
package dev.sluice.drivers.afpacket;
