package dev.sluice.proto;

import static dev.sluice.proto.NetworkOrder.put16;
import static dev.sluice.proto.NetworkOrder.put8;
import static dev.sluice.proto.NetworkOrder.u16;
import static dev.sluice.proto.NetworkOrder.u8;

/**
 * What the ICMPv4 and ICMPv6 flyweights share: type, code and checksum in the first four bytes,
 * the echo identifier and sequence in the next four, and rewrites that patch the checksum
 * (RFC 1624; ICMP checksums have no "none" value). One place for them; {@link IcmpHeader} and
 * {@link Icmpv6Header} add their message types and fields, and draw the layout.
 */
abstract sealed class IcmpCommonHeader extends HeaderView permits IcmpHeader, Icmpv6Header {
    /** Both protocols: type at 0, code at 1, checksum at 2; echo identifier at 4, sequence at 6. */
    static final int TYPE_AT = 0;
    static final int CODE_AT = 1;
    static final int CHECKSUM_AT = 2;
    static final int IDENTIFIER_AT = 4;
    static final int SEQUENCE_AT = 6;

    public final int type() {
        return u8(segment, offset + TYPE_AT);
    }

    public final int code() {
        return u8(segment, offset + CODE_AT);
    }

    public final void setType(int type) {
        put8(segment, offset + TYPE_AT, type);
    }

    public final void setCode(int code) {
        put8(segment, offset + CODE_AT, code);
    }

    /** Sets type and code and patches the checksum (echo request into reply, say). */
    public final void setTypeAndCodeAndUpdateChecksum(int type, int code) {
        int old = u16(segment, offset + TYPE_AT);
        int word = ((type & 0xFF) << 8) | (code & 0xFF);
        put16(segment, offset + TYPE_AT, word);
        Checksums.updateField16(segment, offset + CHECKSUM_AT, false, old, word);
    }

    public final int checksum() {
        return u16(segment, offset + CHECKSUM_AT);
    }

    public final void setChecksum(int checksum) {
        put16(segment, offset + CHECKSUM_AT, checksum);
    }

    /** Echo request/reply identifier (what ICMP NAT rewrites in place of a port). */
    public final int identifier() {
        return u16(segment, offset + IDENTIFIER_AT);
    }

    public final void setIdentifierAndUpdateChecksum(int id) {
        int old = identifier();
        put16(segment, offset + IDENTIFIER_AT, id);
        Checksums.updateField16(segment, offset + CHECKSUM_AT, false, old, id);
    }

    /** Echo request/reply sequence number. */
    public final int sequence() {
        return u16(segment, offset + SEQUENCE_AT);
    }
}
