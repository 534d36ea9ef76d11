package dev.sluice.proto;

import java.lang.foreign.MemorySegment;

/**
 * What every header flyweight holds: the segment it views and the header's offset in it, set by
 * the header's {@code wrap} once its length checks pass. One place for the view; the headers add
 * their fields and checks.
 */
abstract sealed class HeaderView permits ArpHeader, EthernetHeader, IcmpCommonHeader, Ipv4Header,
        Ipv6ExtensionHeader, Ipv6Header, TransportHeader, VlanTag {

    MemorySegment segment;
    long offset;

    final void view(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
    }

    /** Where the header starts in the viewed segment. */
    public final long offset() {
        return offset;
    }
}
