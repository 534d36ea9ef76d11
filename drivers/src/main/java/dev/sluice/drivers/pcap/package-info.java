/**
 * Capture files as a port: offline processing and tests without privileges.
 *
 * <ul>
 *   <li>{@link dev.sluice.drivers.pcap.PcapReader}: classic pcap (either byte order, microsecond
 *       or nanosecond timestamps) and pcapng (sections in either byte order, interfaces with any
 *       {@code if_tsresol} and {@code if_tsoffset}, Enhanced / Simple / Obsolete Packet Blocks,
 *       other blocks skipped) through a read-only mapping of the file; a cursor, so reading
 *       allocates nothing per packet. Timestamps in nanoseconds since 1970.</li>
 *   <li>{@link dev.sluice.drivers.pcap.PcapWriter}: classic little-endian pcap, Ethernet,
 *       snapshot length 262144, microseconds or nanoseconds; buffered, whole records only.</li>
 *   <li>{@link dev.sluice.drivers.pcap.PcapPort}: a {@link dev.sluice.drivers.Port} that receives
 *       the Ethernet packets of an input file into frames of its own UMEM and transmits into an
 *       output file, keeping each packet's timestamp and original length, and the input's
 *       timestamp resolution; it refuses an output that is its input.</li>
 *   <li>{@link dev.sluice.drivers.pcap.CaptureSurvey}: one pass over a whole capture before it is
 *       processed (longest Ethernet packet, link types, timestamp resolution), so that frames can
 *       be sized to hold every packet and a capture without Ethernet refused.</li>
 * </ul>
 *
 * <p><b>Damage.</b> A bad or cut header fails at open ({@link
 * dev.sluice.drivers.pcap.PcapFormatException}, or {@link dev.sluice.drivers.PortSetupException}
 * from the port). Damage later in a file ends the input after every complete packet before it;
 * the reader reports it ({@code problem()}, with the byte offset) or, in strict mode, throws
 * {@code PcapFormatException}; the port reports it through {@code inputProblem()}. No read ever
 * leaves the file.
 *
 * <p>Layouts: {@link dev.sluice.drivers.pcap.PcapFileDescriptor} (classic pcap) and
 * {@link dev.sluice.drivers.pcap.PcapngDescriptor} (pcapng blocks).
 */
package dev.sluice.drivers.pcap;
