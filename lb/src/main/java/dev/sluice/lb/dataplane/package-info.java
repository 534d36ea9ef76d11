/**
 * The load balancer's data plane: {@link dev.sluice.lb.dataplane.LbHandler} (a pipeline handler, one
 * per worker) over immutable {@link dev.sluice.lb.dataplane.LbTables} that
 * {@link dev.sluice.lb.dataplane.LbTablesBuilder} builds on the control plane, its
 * {@link dev.sluice.lb.dataplane.LbCounters}, and {@link dev.sluice.lb.dataplane.FlowSelector}, the
 * same choice for {@code sluice lb which}.
 *
 * <h2>Choosing a backend</h2>
 * A TCP or UDP packet's VIP is found by (destination address, protocol, destination port), then
 * (address, protocol, 0). The flow hash ({@link dev.sluice.lb.dataplane.FlowHash}) covers the VIP's
 * hashed fields; Maglev maps it to a backend. A TCP SYN without ACK takes the current Maglev choice
 * and replaces whatever the connection table held (a client reusing a port starts a new
 * connection); any other packet asks the worker's connection table first, and its answer stands
 * only while that backend is still one of the VIP's (weight 0 included: draining keeps established
 * flows); otherwise the packet takes the Maglev choice, which is inserted. So an established flow
 * keeps its backend when other backends come and go, and a new one follows the current table.
 *
 * <h2>Policies for what is not a plain TCP/UDP packet</h2>
 * <ul>
 *   <li><b>Fragments</b> (IPv4, and IPv6 with a Fragment header; counted {@code fragments}): every
 *       fragment of a datagram must reach the same backend, and only the first carries ports. So all
 *       fragments to a VIP's (address, protocol) go to one VIP (its all-ports VIP, else the one with
 *       the lowest port) and are balanced by Maglev over (source, destination, protocol), without the
 *       connection table; a VIP hashing on the source address alone uses its usual hash, which keeps
 *       fragments with their flow. Katran drops fragments and IPVS reassembles them (it is in the
 *       kernel); a user-space balancer that does neither still serves UDP services whose datagrams
 *       exceed the path MTU, at the cost that a 5-tuple VIP may send a flow's fragmented datagrams
 *       to another backend than its unfragmented ones (harmless for stateless UDP). ICMP fragments
 *       are dropped ({@code drop_icmp_unsupported}).</li>
 *   <li><b>IPv4 options</b> ({@code ipv4_options}) and <b>IPv6 extension headers</b>
 *       ({@code ipv6_extension_headers}): forwarded as they are; the header walk finds the L4 header
 *       behind them (at most {@link dev.sluice.proto.HeaderWalk#MAX_IPV6_EXTENSION_HEADERS}
 *       extension headers; a longer chain is malformed and dropped). Katran drops options; IPVS
 *       forwards them. Encapsulation carries them untouched; DSR does not look at them.</li>
 *   <li><b>ICMP echo</b> to a VIP address is answered by the balancer ({@code icmp_echo}).</li>
 *   <li><b>ICMP fragmentation-needed / ICMPv6 packet-too-big</b> to a VIP address whose quoted
 *       packet came from that VIP: the quoted flow, reversed, is looked up (connection table, else
 *       Maglev; nothing inserted) and the whole ICMP packet goes to that flow's backend by the VIP's
 *       mode ({@code icmp_to_backend}), so path-MTU discovery works through the balancer. The quoted
 *       header is read leniently (cut short: only its header and ports must be there). Other ICMP
 *       to a VIP is dropped ({@code drop_icmp_unsupported}).</li>
 *   <li><b>Too big to encapsulate</b> (IP length + encapsulation &gt; MTU): IPv4 with DF and IPv6 get
 *       fragmentation-needed / packet-too-big reporting the MTU less the encapsulation, built in the
 *       frame and sent back ({@code frag_needed_sent}); IPv4 without DF is dropped
 *       ({@code drop_too_big}): the balancer does not fragment.</li>
 *   <li><b>Malformed or truncated</b> frames fail the header walk and are dropped with the walk's
 *       reason ({@code drop_truncated_tcp}, {@code drop_malformed_ipv4_ihl}, ...); nothing is
 *       forwarded half-parsed. Header checksums are not verified (as in Katran and IPVS's direct
 *       routing): the backend's stack does. Traffic to no VIP is dropped ({@code drop_not_vip}).</li>
 * </ul>
 *
 * <h2>Forwarding</h2>
 * dsr rewrites the MACs (own → backend); ipip and gue push an outer IPv4 or IPv6 header (by the
 * backend's family) and for gue a UDP header, with the outer source drawn from the configured
 * prefix by the flow hash and the GUE source port from the flow hash, and send to the next hop's MAC.
 * Every packet goes back out the port it came in on.
 */
package dev.sluice.lb.dataplane;
