/**
 * The native boundary: every downcall into libc ({@link dev.sluice.sys.LibC}), bpf(2)
 * ({@link dev.sluice.sys.Bpf}) and rtnetlink ({@link dev.sluice.sys.Netlink}), with errno captured and
 * turned into a {@link dev.sluice.sys.NativeException} that names the call, the errno and the remedy
 * ({@link dev.sluice.sys.Remedies}); the kernel ABIs' byte layouts (AF_XDP, TPACKET_V3, bpf_attr,
 * rtnetlink: {@link dev.sluice.sys.NetlinkSocket} requests and multi-part dumps, the route, neighbour
 * and address tables in {@link dev.sluice.sys.Routes}, {@link dev.sluice.sys.Neighbours},
 * {@link dev.sluice.sys.InterfaceAddresses});
 * network namespaces and the process's capabilities. Nothing above this package touches FFM linkers.
 */
package dev.sluice.sys;
