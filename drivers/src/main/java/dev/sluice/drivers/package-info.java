/**
 * The {@link dev.sluice.drivers.Port} abstraction every driver implements (bursts of packets in
 * UMEM frames), its counters ({@link dev.sluice.drivers.PortCounters}) and the one exception for set-up
 * mistakes a user can fix ({@link dev.sluice.drivers.PortSetupException}). The drivers live in the
 * sub-packages: AF_XDP, AF_PACKET, pcap files, in-process memory; {@code xdp} builds and attaches
 * the XDP programs.
 */
package dev.sluice.drivers;
