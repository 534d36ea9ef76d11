package dev.sluice.proto;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.u16;

/**
 * What the TCP and UDP flyweights share: the two ports in the first four bytes, and port rewrites
 * that patch the header's checksum (RFC 1624). One place for them; {@link TcpHeader} and
 * {@link UdpHeader} add their own fields and wrap checks.
 */
abstract sealed class TransportHeader extends HeaderView permits TcpHeader, UdpHeader {
    /** Both protocols: source port at 0, destination port at 2. */
    static final int SOURCE_PORT_OFFSET = 0;
    static final int DESTINATION_PORT_OFFSET = 2;

    private final int checksumOffset;
    /** UDP: a zero checksum means "none" and stays zero when a field changes. */
    private final boolean zeroChecksumMeansNone;

    TransportHeader(int checksumOffset, boolean zeroChecksumMeansNone) {
        this.checksumOffset = checksumOffset;
        this.zeroChecksumMeansNone = zeroChecksumMeansNone;
    }

    public final int sourcePort() {
        return u16(segment, offset + SOURCE_PORT_OFFSET);
    }

    public final void setSourcePort(int port) {
        put16(segment, offset + SOURCE_PORT_OFFSET, port);
    }

    /** Sets the source port and patches the checksum. */
    public final void setSourcePortAndUpdateChecksum(int port) {
        int old = sourcePort();
        setSourcePort(port);
        Checksums.updateField16(segment, offset + checksumOffset, zeroChecksumMeansNone, old, port);
    }

    public final int destinationPort() {
        return u16(segment, offset + DESTINATION_PORT_OFFSET);
    }

    public final void setDestinationPort(int port) {
        put16(segment, offset + DESTINATION_PORT_OFFSET, port);
    }

    /** Sets the destination port and patches the checksum. */
    public final void setDestinationPortAndUpdateChecksum(int port) {
        int old = destinationPort();
        setDestinationPort(port);
        Checksums.updateField16(segment, offset + checksumOffset, zeroChecksumMeansNone, old, port);
    }
}
