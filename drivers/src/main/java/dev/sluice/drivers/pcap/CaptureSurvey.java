package dev.sluice.drivers.pcap;

/**
 * What a whole capture holds, found by one pass over its records before it is processed: enough to
 * size frames so that no packet is cut, to keep the input's timestamp resolution, and to refuse a
 * capture that holds no Ethernet at all instead of producing an empty output. See
 * {@link PcapReader#survey(int)}.
 *
 * @param packets                packet records before the end (or before damage)
 * @param ethernetPackets        those of link type Ethernet (the ones a port delivers)
 * @param largestEthernetPacket  captured bytes of the longest Ethernet packet, 0 when none
 * @param ethernetLongerThanRoom Ethernet packets longer than the room the survey was asked about
 * @param otherLinkType          a link type other than Ethernet that the capture declares (the
 *                               classic pcap header's, or the first such packet's), -1 when none
 * @param finerThanMicroseconds  timestamps counted in units shorter than a microsecond (a
 *                               nanosecond pcap, a pcapng interface with a finer if_tsresol)
 */
public record CaptureSurvey(long packets, long ethernetPackets, int largestEthernetPacket, long ethernetLongerThanRoom,
                            int otherLinkType, boolean finerThanMicroseconds) {

    /** Whether the capture declares or holds something, yet no Ethernet packet a port could deliver. */
    public boolean holdsNoEthernet() {
        return ethernetPackets == 0 && otherLinkType >= 0;
    }

    /** The precision that keeps the input's timestamps as they are. */
    public PcapWriter.Precision precision() {
        return finerThanMicroseconds ? PcapWriter.Precision.NANOSECONDS : PcapWriter.Precision.MICROSECONDS;
    }
}
