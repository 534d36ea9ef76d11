/**
 * Protocol parsing and rewriting in place, over packet bytes in a {@link java.lang.foreign.MemorySegment}.
 *
 * <ul>
 *   <li>{@link dev.sluice.proto.HeaderWalk}: the one header walk. Which VLAN tags are skipped
 *       (802.1Q and 802.1ad, at most two), where L3 and L4 start (IPv4 options through a checked
 *       IHL, IPv6 extension headers), which checks a header passes before the next one is
 *       touched, and that a non-first fragment has no ports. Stateless and allocation-free; its
 *       constants are the ones the emitted steering program uses, so the parser, the flow hasher,
 *       {@link dev.sluice.proto.HeaderSwaps} and the XDP program agree on every frame.</li>
 *   <li>{@link dev.sluice.proto.PacketParser}: the walk plus the fields: one pass over a frame into
 *       plain fields (VLAN tags, L3/L4 offsets, addresses, ports, fragments, IPv6 extension chain,
 *       ARP) and a {@link dev.sluice.proto.ParseResult} code: OK, TRUNCATED_x, MALFORMED_x,
 *       UNSUPPORTED_x.</li>
 *   <li>{@link dev.sluice.proto.HeaderSwaps}: testpmd's macswap and 5tswap over a batch, in place.</li>
 *   <li>Header flyweights, one per layout, each with its ASCII diagram and offset constants:
 *       {@link dev.sluice.proto.EthernetHeader}, {@link dev.sluice.proto.VlanTag},
 *       {@link dev.sluice.proto.ArpHeader}, {@link dev.sluice.proto.Ipv4Header},
 *       {@link dev.sluice.proto.Ipv6Header}, {@link dev.sluice.proto.Ipv6ExtensionHeader},
 *       {@link dev.sluice.proto.TcpHeader}, {@link dev.sluice.proto.UdpHeader},
 *       {@link dev.sluice.proto.IcmpHeader}, {@link dev.sluice.proto.Icmpv6Header}.
 *       {@code wrap(segment, offset, length)} checks the length once and returns false when the header
 *       does not fit; accessors then assume it fits.</li>
 *   <li>{@link dev.sluice.proto.Checksums}: RFC 1071 sums, IPv4 header, TCP/UDP over IPv4
 *       and IPv6 pseudo-headers, ICMPv4, ICMPv6, and RFC 1624 incremental updates, which the
 *       {@code ...AndUpdateChecksum(s)} setters use so that rewrites (NAT, TTL) stay O(1).</li>
 * </ul>
 *
 * <p>Invariants: nothing here allocates on a per-packet path, nothing throws for any packet
 * content, and nothing reads or writes outside the bounds it was given (so a bad frame never
 * touches its neighbours in the UMEM). Multi-byte fields are big-endian through
 * {@code NetworkOrder}'s static final layouts.
 */
package dev.sluice.proto;
