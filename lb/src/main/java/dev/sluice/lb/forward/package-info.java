/**
 * What the balancer does to a packet once it knows where it goes, in place in the received frame:
 * {@link dev.sluice.lb.forward.Rewrites} (DSR MAC rewrite; IPIP, IP6IP6, 4in6, 6in4 and GUE
 * variant 1 encapsulation pushed into the frame's headroom) and
 * {@link dev.sluice.lb.forward.IcmpReplies} (echo replies, ICMP fragmentation-needed and ICMPv6
 * packet-too-big built around the received packet). Payload bytes are never copied; at most the
 * L2 header (Ethernet and up to two VLAN tags) moves. When to use which is the data plane's
 * decision, not this package's.
 */
package dev.sluice.lb.forward;
