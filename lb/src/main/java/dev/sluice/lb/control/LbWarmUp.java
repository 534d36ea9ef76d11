package dev.sluice.lb.control;

import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Protocol;
import dev.sluice.lb.config.VipConfig;
import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.dataplane.BackendAvailability;
import dev.sluice.lb.dataplane.LbCounters;
import dev.sluice.lb.dataplane.LbHandler;
import dev.sluice.lb.dataplane.LbTables;
import dev.sluice.lb.dataplane.LbTablesBuilder;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.lb.stats.StatsColumns;
import dev.sluice.lb.stats.StatsRows;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.pipeline.runtime.WarmUp;
import dev.sluice.proto.Checksums;
import dev.sluice.proto.EthernetHeader;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6Header;
import dev.sluice.proto.NetworkOrder;
import dev.sluice.proto.TcpHeader;
import dev.sluice.proto.UdpHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Compiles the balancer's data path before the steering program attaches, so that the first real
 * packets do not run interpreted: {@link WarmUp#overSimulatedKernel} runs the data path's own
 * pipeline ({@link LoadBalancer#dataPath}, {@link LbHandler}) over a simulated AF_XDP queue whose
 * kernel side delivers, for every configured VIP, TCP SYNs and established segments or UDP
 * datagrams of a few flows, in turns that mix the VIPs. Each VIP's family, protocol and forwarding
 * mode (dsr, ipip, gue) is a path of its own through the handler and its rewrites: every one the
 * configuration uses gets compiled with a profile that has seen the others.
 *
 * <p>It leaves no trace in the real run. Everything it touches is its own and gone when it returns:
 * tables built by its own {@link LbTablesBuilder} from the same configuration (every backend and
 * next hop at one made-up MAC: its frames only reach the simulated kernel), its own connection
 * tables, in-memory counters (no group in the counters file), statistics rows of its own, a
 * simulated queue with no socket. The JIT's compiled code and profiles belong to the classes, not to
 * these instances: they are what stays.
 */
final class LbWarmUp {
    /** The MAC of every backend and next hop in the warm-up's tables (locally administered). */
    static final long BACKEND_MAC = 0x02_00_00_00_0b_01L;
    /** The source MAC of the simulated clients (locally administered). */
    private static final long CLIENT_MAC = 0x02_00_00_00_0c_01L;
    /** Entries of each warm-up worker's connection table: well above the flows it sees. */
    private static final int CONNECTION_CAPACITY = 1 << 14;
    /**
     * Kernel turns the warm-up runs however long they take: enough for the handler to be compiled by
     * C1 with profiling and then to run there long enough for C2 to be asked for it, when the
     * interpreted first turns have used up the time on a busy machine. On an idle one the time
     * given runs many more.
     */
    static final int MIN_TURNS = 8 * 1024;
    /** Frames the simulated kernel cycles through, over all VIPs, before a VIP gets fewer flows. */
    private static final int FRAME_BUDGET = 4096;
    private static final int MAX_FLOWS_PER_VIP = 16;
    private static final int MIN_FLOWS_PER_VIP = 2;
    /** Packets a flow sends per turn: its SYN and three established segments, or four datagrams. */
    private static final int PACKETS_PER_FLOW = 4;
    /** Consecutive frames of one VIP: bursts mix VIPs, as traffic does, and still repeat one. */
    private static final int RUN = 8;
    private static final int PAYLOAD = 16;
    /** The shortest Ethernet frame without its FCS: shorter packets arrive padded to it. */
    private static final int MIN_FRAME = 60;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_ACK = 0x10;
    private static final int TCP_PSH_ACK = 0x18;

    /**
     * What the warm-up did, from its own counters.
     *
     * @param delivered packets the simulated kernel delivered
     * @param forwarded of those, packets the handlers forwarded to a backend
     * @param forwardedByVip forwarded packets per VIP name, in configuration order
     */
    record Result(long delivered, long forwarded, Map<String, Long> forwardedByVip) {
        static final Result NONE = new Result(0, 0, Map.of());
    }

    private LbWarmUp() {
    }

    /**
     * Runs the warm-up on the calling thread for {@code duration}, and at least {@link #MIN_TURNS} kernel turns.
     *
     * @param ownMac             the interface's MAC (the frames' destination, the rewrites' source)
     * @param mtu                the interface's MTU
     * @param interfaceAddresses the interface's addresses, as the real tables get them (outer sources)
     * @param workers            the data path's workers over the one simulated queue: the real count
     *                           when it spreads queues over more workers by hashing, else 1
     * @throws IllegalArgumentException when the configuration's tables cannot be built (as the real
     *                                  ones would not be)
     */
    static Result run(LbConfig config, long ownMac, int mtu, List<InetAddress> interfaceAddresses, int workers,
                      int burst, Duration duration, Consumer<String> errorLog) {
        if (duration.isZero() || duration.isNegative()) {
            return Result.NONE;
        }
        List<VipConfig> vips = config.vips();
        StatsRows rows = new StatsRows() { // VIP i counts in row i + 1; backends in the sink
            @Override
            public int vipRow(String vipName) {
                for (int i = 0; i < vips.size(); i++) {
                    if (vips.get(i).name().equals(vipName)) {
                        return i + 1;
                    }
                }
                return LbStats.SINK;
            }

            @Override
            public int backendRow(String vipName, InetAddress backend) {
                return LbStats.SINK;
            }
        };
        LbTables tables = new LbTablesBuilder().build(config, ownMac, mtu, (target, mode) -> BACKEND_MAC,
                interfaceAddresses, BackendAvailability.ALL_ACTIVE, rows);
        Published<LbTables> published = new Published<>(tables);
        LbStats stats = new LbStats(workers, vips.size() + 1);
        List<ConnectionTable> connections = new ArrayList<>();
        List<LbCounters> counters = new ArrayList<>();
        try {
            for (int w = 0; w < workers; w++) {
                connections.add(new ConnectionTable(CONNECTION_CAPACITY, config.connections().tcpIdle().toNanos(),
                        config.connections().udpIdle().toNanos()));
                counters.add(new LbCounters());
            }
            // the default idle strategy: what a worker runs when it finds nothing is not what needs compiling
            long delivered = WarmUp.overSimulatedKernel(port -> LoadBalancer.dataPath(List.of(port), workers, burst, LbOptions.DEFAULT_IDLE,
                            w -> new LbHandler(published, connections.get(w), counters.get(w), stats.worker(w), System::nanoTime))
                            .errorLog(message -> errorLog.accept("internal error in the warm-up: " + message)),
                    frames(config, ownMac), burst, duration.toMillis(), MIN_TURNS);
            long forwarded = 0;
            for (LbCounters c : counters) {
                forwarded += c.get(LbCounters.FORWARDED);
            }
            Map<String, Long> byVip = new LinkedHashMap<>();
            for (int i = 0; i < vips.size(); i++) {
                byVip.put(vips.get(i).name(), stats.sum(i + 1, StatsColumns.PACKETS));
            }
            return new Result(delivered, forwarded, byVip);
        } finally {
            for (ConnectionTable c : connections) {
                c.close();
            }
            stats.close();
        }
    }

    /**
     * The frames the simulated kernel cycles through: per VIP, {@value #PACKETS_PER_FLOW} packets of
     * each of its flows (TCP: the SYN first, then established segments, so most lookups hit; UDP:
     * the first datagram misses and inserts, the next hit), VIPs taking turns of {@value #RUN}.
     */
    static List<byte[]> frames(LbConfig config, long ownMac) {
        List<VipConfig> vips = config.vips();
        int flows = Math.clamp(FRAME_BUDGET / ((long) PACKETS_PER_FLOW * vips.size()), MIN_FLOWS_PER_VIP, MAX_FLOWS_PER_VIP);
        List<List<byte[]>> perVip = new ArrayList<>();
        for (int v = 0; v < vips.size(); v++) {
            VipConfig vip = vips.get(v);
            List<byte[]> list = new ArrayList<>();
            for (int round = 0; round < PACKETS_PER_FLOW; round++) {
                for (int f = 0; f < flows; f++) {
                    int flags = vip.protocol() != Protocol.TCP ? 0 : round == 0 ? TCP_SYN : round == 1 ? TCP_ACK : TCP_PSH_ACK;
                    list.add(frame(vip, v, f, flags, ownMac));
                }
            }
            perVip.add(list);
        }
        List<byte[]> mixed = new ArrayList<>();
        for (int from = 0; from < PACKETS_PER_FLOW * flows; from += RUN) {
            for (List<byte[]> list : perVip) {
                mixed.addAll(list.subList(from, Math.min(from + RUN, list.size())));
            }
        }
        return mixed;
    }

    /**
     * One client packet to {@code vip}: from a client address and port of flow {@code flow} (IPv4
     * 198.18.0.0/15, IPv6 2001:db8:ffff::/48, both documentation or benchmarking ranges), to the
     * VIP's port (port 1024 + flow for an all-ports VIP), with a {@value #PAYLOAD}-byte payload and
     * correct checksums.
     */
    private static byte[] frame(VipConfig vip, int vipIndex, int flow, int tcpFlags, long ownMac) {
        boolean v6 = vip.address() instanceof Inet6Address;
        boolean tcp = vip.protocol() == Protocol.TCP;
        int l3 = EthernetHeader.LENGTH;
        int ipHeader = v6 ? Ipv6Header.LENGTH : Ipv4Header.MIN_LENGTH;
        int l4Length = (tcp ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH) + PAYLOAD;
        byte[] bytes = new byte[Math.max(MIN_FRAME, l3 + ipHeader + l4Length)]; // padded as on the wire
        MemorySegment s = MemorySegment.ofArray(bytes);
        NetworkOrder.put48(s, EthernetHeader.DESTINATION_OFFSET, ownMac);
        NetworkOrder.put48(s, EthernetHeader.SOURCE_OFFSET, CLIENT_MAC);
        NetworkOrder.put16(s, EthernetHeader.ETHERTYPE_OFFSET, v6 ? EthernetHeader.ETHERTYPE_IPV6 : EthernetHeader.ETHERTYPE_IPV4);
        byte[] vipAddress = vip.address().getAddress();
        int protocol = tcp ? IpProtocol.TCP : IpProtocol.UDP;
        if (v6) {
            NetworkOrder.put32(s, l3 + Ipv6Header.VERSION_CLASS_FLOW_OFFSET, 0x6000_0000);
            NetworkOrder.put16(s, l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET, l4Length);
            NetworkOrder.put8(s, l3 + Ipv6Header.NEXT_HEADER_OFFSET, protocol);
            NetworkOrder.put8(s, l3 + Ipv6Header.HOP_LIMIT_OFFSET, 64);
            NetworkOrder.put32(s, l3 + Ipv6Header.SOURCE_OFFSET, 0x2001_0db8);
            NetworkOrder.put32(s, l3 + Ipv6Header.SOURCE_OFFSET + 4, 0xffff_0000 | (vipIndex & 0xffff));
            NetworkOrder.put32(s, l3 + Ipv6Header.SOURCE_OFFSET + 12, flow + 1);
            MemorySegment.copy(vipAddress, 0, s, ValueLayout.JAVA_BYTE, l3 + Ipv6Header.DESTINATION_OFFSET, 16);
        } else {
            NetworkOrder.put8(s, l3 + Ipv4Header.VERSION_IHL_OFFSET, 0x45);
            NetworkOrder.put16(s, l3 + Ipv4Header.TOTAL_LENGTH_OFFSET, ipHeader + l4Length);
            NetworkOrder.put16(s, l3 + Ipv4Header.FLAGS_FRAGMENT_OFFSET, Ipv4Header.FLAG_DONT_FRAGMENT);
            NetworkOrder.put8(s, l3 + Ipv4Header.TTL_OFFSET, 64);
            NetworkOrder.put8(s, l3 + Ipv4Header.PROTOCOL_OFFSET, protocol);
            NetworkOrder.put32(s, l3 + Ipv4Header.SOURCE_OFFSET, 0xC612_0000 | (vipIndex & 0x1ff) << 8 | (flow + 1));
            MemorySegment.copy(vipAddress, 0, s, ValueLayout.JAVA_BYTE, l3 + Ipv4Header.DESTINATION_OFFSET, 4);
            Checksums.setIpv4Header(s, l3);
        }
        int l4 = l3 + ipHeader;
        NetworkOrder.put16(s, l4 + TcpHeader.SOURCE_PORT_OFFSET, 32768 + 7 * flow);
        NetworkOrder.put16(s, l4 + TcpHeader.DESTINATION_PORT_OFFSET, vip.port() != 0 ? vip.port() : 1024 + flow);
        if (tcp) {
            NetworkOrder.put32(s, l4 + TcpHeader.SEQUENCE_OFFSET, 1000 * flow + 1);
            NetworkOrder.put32(s, l4 + TcpHeader.ACKNOWLEDGMENT_OFFSET, tcpFlags == TCP_SYN ? 0 : 1);
            NetworkOrder.put8(s, l4 + TcpHeader.DATA_OFFSET_OFFSET, (TcpHeader.MIN_LENGTH / 4) << 4);
            NetworkOrder.put8(s, l4 + TcpHeader.FLAGS_OFFSET, tcpFlags);
            NetworkOrder.put16(s, l4 + TcpHeader.WINDOW_OFFSET, 0xffff);
        } else {
            NetworkOrder.put16(s, l4 + UdpHeader.LENGTH_OFFSET, l4Length);
        }
        if (v6) {
            Checksums.setL4OverIpv6(s, l3, l4, l4Length, protocol);
        } else {
            Checksums.setL4OverIpv4(s, l3, l4, l4Length, protocol);
        }
        return bytes;
    }
}
