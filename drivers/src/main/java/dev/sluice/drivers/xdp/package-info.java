/**
 * XDP programs as Java-emitted eBPF bytecode, and their attachment to interfaces.
 *
 * <ul>
 *   <li>{@link dev.sluice.drivers.xdp.BpfAssembler}: a small eBPF assembler (encoding in
 *       {@link dev.sluice.drivers.xdp.BpfInstructionDescriptor}).</li>
 *   <li>{@link dev.sluice.drivers.xdp.XdpPrograms}: loads the redirect-all program
 *       ({@link dev.sluice.drivers.xdp.RedirectAllProgram}) or the steering program
 *       ({@link dev.sluice.drivers.xdp.SteeringProgram}) with their maps, as an
 *       {@link dev.sluice.drivers.xdp.XdpProgram} that registers AF_XDP sockets per queue and
 *       holds {@link dev.sluice.drivers.xdp.SteeringRule}s, exact ones or a load balancer's VIPs
 *       (what each takes: the table in {@code SteeringRule}; key layout and entry flags:
 *       {@link dev.sluice.drivers.xdp.SteeringKeyDescriptor}) and verdict counters
 *       ({@link dev.sluice.drivers.xdp.XdpCountersDescriptor}, copied into a counters group of kind
 *       {@code xdp} by {@link dev.sluice.drivers.xdp.XdpProgramCounters}). The redirect-all program passes ARP
 *       and IPv6 router/neighbour discovery to the kernel; both programs find headers with
 *       {@code EmittedHeaderWalk}, proto's {@link dev.sluice.proto.HeaderWalk} in eBPF, so they
 *       agree with the parser on every frame.</li>
 *   <li>{@link dev.sluice.drivers.xdp.XdpAttachment}: attaches a program to an interface in an
 *       {@link dev.sluice.drivers.xdp.XdpMode}, by bpf_link, or by netlink on old kernels.</li>
 * </ul>
 *
 * <pre>{@code
 * try (XdpProgram program = XdpPrograms.steering(queues, 64);
 *      XdpAttachment attachment = XdpAttachment.attach(program, "eth0", XdpMode.AUTO)) {
 *     program.registerSocket(0, xskFd);                       // after the socket's bind
 *     program.addRule(SteeringRule.udp(InetAddress.getByName("192.0.2.10"), 5000));
 *     program.addRule(SteeringRule.vip(InetAddress.getByName("192.0.2.80"), SteeringRule.TCP, 80));
 *     ...
 * }
 * }</pre>
 *
 * Setup path only: everything here allocates, synchronizes and throws.
 */
package dev.sluice.drivers.xdp;
