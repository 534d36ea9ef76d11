package dev.sluice.lb.dataplane;

import dev.sluice.lb.conntrack.ConnectionTable;
import dev.sluice.lb.conntrack.ConnectionTableDescriptor;
import dev.sluice.lb.conntrack.FlowKey;
import dev.sluice.lb.forward.IcmpReplies;
import dev.sluice.lb.forward.Rewrites;
import dev.sluice.lb.maglev.MaglevTable;
import dev.sluice.lb.stats.LbStats;
import dev.sluice.lb.stats.StatsColumns;
import dev.sluice.lb.stats.WorkerStats;
import dev.sluice.pipeline.runtime.PacketHandler;
import dev.sluice.pipeline.runtime.Published;
import dev.sluice.pipeline.runtime.Verdicts;
import dev.sluice.proto.HeaderWalk;
import dev.sluice.proto.IcmpHeader;
import dev.sluice.proto.Icmpv6Header;
import dev.sluice.proto.IpProtocol;
import dev.sluice.proto.Ipv4Header;
import dev.sluice.proto.Ipv6ExtensionHeader;
import dev.sluice.proto.Ipv6Header;
import dev.sluice.proto.NetworkOrder;
import dev.sluice.proto.ParseResult;
import dev.sluice.proto.TcpHeader;
import dev.sluice.sys.AddressSpace;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

/**
 * The balancer's data plane: a {@link PacketHandler}, one per worker, with that worker's
 * {@link ConnectionTable} and {@link LbCounters}. Policies (fragments, options, ICMP) are described
 * in the package documentation; this class does them.
 *
 * <h2>A burst</h2>
 * <ol>
 *   <li>Read the tables once ({@link Published#getAcquire}); every packet of the burst uses them.</li>
 *   <li>Classify each packet: {@link HeaderWalk} from Ethernet to L4 (a failure is a counted drop,
 *       nothing is forwarded half-parsed), find its VIP, answer ICMP echo at once, and for packets
 *       that need the connection table set their key (held as words per slot, see
 *       {@link FlowKey#hash(long, long, long)}). TCP and UDP with ports take a short path; fragments,
 *       ICMP and failures the rest.</li>
 *   <li>Load the connection table's lines for the burst's keys, each bucket's first line first, then
 *       the second where the first holds two other flows, so that the cache misses of the whole
 *       burst overlap ({@link ConnectionTable#prefetch(long[], long[], int)}).</li>
 *   <li>Choose each packet's backend (a TCP SYN without ACK: the current Maglev choice, inserted;
 *       another TCP/UDP packet: the connection table, whose answer counts only while that backend is
 *       still in the VIP, else Maglev and insert; a fragment: Maglev on its addresses) and forward it
 *       by the VIP's mode, back out the port it arrived on.</li>
 *   <li>Publish the counters once, and the VIP statistics still pending.</li>
 * </ol>
 * Per packet: no allocation, no lock, no exception (every offset read is inside what the walk or
 * an explicit check proved present).
 *
 * <h2>Per-VIP and per-backend statistics</h2>
 * Besides the worker's {@link LbCounters}, the handler adds to its worker's {@link WorkerStats} rows
 * (the rows each {@link Vip} names): per packet forwarded, packets and bytes (the frame as received)
 * of the backend and of the VIP; per new flow, new flows of both; per connection-table lookup, a hit
 * or a miss of the VIP; per drop once the packet's VIP is known (no backend, no MAC, too big, no
 * headroom, reply failed), the VIP's dropped and, for the first two, its reason. A backend's counts
 * are added to its row at once (its row is in a line the worker alone writes); a VIP's are summed
 * while packets of that VIP follow each other and added once per run, and at the end of the burst.
 */
public final class LbHandler implements PacketHandler {
    /** Done in the classification: verdict set and counted. */
    private static final int DONE = 0;
    /** TCP (not a SYN) or UDP: the connection table, then Maglev. */
    private static final int FLOW = 1;
    /** TCP SYN without ACK: Maglev, inserted. */
    private static final int SYN = 2;
    /** A fragment: Maglev over its addresses. */
    private static final int FRAGMENT = 3;
    /** An ICMP error about a VIP flow: that flow's backend (connection table, then Maglev; no insert). */
    private static final int ICMP_ERROR = 4;

    /** {@link #drop(Vip, int, int)}: no statistics column of its own, only the VIP's dropped. */
    private static final int NO_COLUMN = -1;

    private static final int INITIAL_SLOTS = 256;
    /** "Not computed": a flow hash may take this value too, and is then merely computed twice. */
    private static final long NO_HASH = 0;

    private final Published<LbTables> tables;
    private final ConnectionTable connections;
    private final LbCounters counters;
    private final WorkerStats stats;
    private final LongSupplier nanoClock;

    // Per burst slot, filled by the classification, used by the choice. A slot's flow is its key:
    // the destination is its VIP's address (both families: the VIP was found by it), the protocol
    // and ports are in the key's meta word, the source in its two address words.
    private int[] actions;
    private int[] vipIndexes;
    private int[] l3Offsets;
    /** The key's {@link FlowKey#meta(int, int, int)} word: VIP id, protocol, ports (0 for a fragment). */
    private long[] keyMetas;
    /** The source address, IPv4 {@link FlowKey#mappedIpv4 mapped}, as the connection table keys it. */
    private long[] keySrcHi;
    private long[] keySrcLo;
    /** {@link FlowKey#hash(long, long, long)} of the key; 0 (with meta 0) for a slot that does not use the table. */
    private long[] keyHashes;
    /** The counts of VIP row {@link #pendingVipRow}, by column, summed over consecutive packets of that VIP. */
    private final long[] vipPending = new long[LbStats.COLUMNS];
    /** The VIP row {@link #vipPending} belongs to; -1: none (at the start of every burst). */
    private int pendingVipRow = -1;
    private long lastEvictions;
    /** Where the prefetch's loads go, so that the compiler keeps them; means nothing. */
    private long prefetchSink;
    // The last TCP/UDP VIP lookup of this burst: packets of a burst mostly go to one VIP.
    private boolean lastIpv6;
    private long lastHi;
    private long lastLo;
    /** Protocol in bits 23..16, port in 15..0; -1: none yet this burst. */
    private int lastProtocolPort;
    private int lastVip;

    /**
     * Without per-VIP and per-backend statistics: for tables built with {@link dev.sluice.lb.stats.StatsRows#NONE}
     * (every row the sink), as the table builder's overloads without rows build them.
     *
     * @param tables      the current tables (the control plane republishes them)
     * @param connections this worker's connection table (used only by this handler's thread)
     * @param counters    this worker's counters
     * @param nanoClock   monotonic time for the connection table's idle timeouts, read once per burst
     */
    public LbHandler(Published<LbTables> tables, ConnectionTable connections, LbCounters counters, LongSupplier nanoClock) {
        this(tables, connections, counters, new LbStats(1, 1).worker(0), nanoClock);
    }

    /**
     * @param tables      the current tables (the control plane republishes them), built with rows of
     *                    the {@link LbStats} that {@code stats} belongs to
     * @param connections this worker's connection table (used only by this handler's thread)
     * @param counters    this worker's counters
     * @param stats       this worker's per-VIP and per-backend statistics rows
     * @param nanoClock   monotonic time for the connection table's idle timeouts, read once per burst
     */
    public LbHandler(Published<LbTables> tables, ConnectionTable connections, LbCounters counters, WorkerStats stats,
                     LongSupplier nanoClock) {
        this.tables = tables;
        this.connections = connections;
        this.counters = counters;
        this.stats = stats;
        this.nanoClock = nanoClock;
        this.lastEvictions = connections.evictions();
        allocate(INITIAL_SLOTS);
    }

    private void allocate(int slots) {
        actions = new int[slots];
        vipIndexes = new int[slots];
        l3Offsets = new int[slots];
        keyMetas = new long[slots];
        keySrcHi = new long[slots];
        keySrcLo = new long[slots];
        keyHashes = new long[slots];
    }

    public LbCounters counters() {
        return counters;
    }

    @Override
    public void onBurst(PacketBatch batch, Verdicts verdicts) {
        LbTables t = tables.getAcquire();
        int n = batch.count();
        lastProtocolPort = -1; // the tables may have changed since the last burst
        if (n > actions.length) {
            allocate(Math.max(n, 2 * actions.length)); // once, when a larger burst than any before arrives
        }
        for (int i = 0; i < n; i++) {
            classify(t, batch, i, verdicts);
        }
        // A slot that does not use the table has key 0: its loads hit bucket 0's line, harmless.
        prefetchSink = connections.prefetch(keyHashes, keyMetas, n);
        long now = nanoClock.getAsLong();
        for (int i = 0; i < n; i++) {
            int action = actions[i];
            if (action != DONE) {
                choose(t, batch, i, action, now, verdicts);
            }
        }
        long evictions = connections.evictions();
        counters.add(LbCounters.CONN_EVICTION, evictions - lastEvictions);
        lastEvictions = evictions;
        counters.flush();
        flushVip();
    }

    /**
     * Counts {@code delta} in column {@code column} of VIP row {@code row}: summed while packets of
     * one VIP follow each other (a burst mostly goes to one VIP), added to the row when another
     * VIP's packet comes or the burst ends.
     */
    private void countVip(int row, int column, long delta) {
        if (row != pendingVipRow) {
            flushVip();
            pendingVipRow = row;
        }
        vipPending[column] += delta;
    }

    /** Adds the pending VIP counts to their row; none are pending afterwards. */
    private void flushVip() {
        int row = pendingVipRow;
        if (row < 0) {
            return;
        }
        long[] vip = vipPending;
        for (int c = 0; c < vip.length; c++) {
            if (vip[c] != 0) {
                stats.add(row, c, vip[c]);
                vip[c] = 0;
            }
        }
        pendingVipRow = -1;
    }

    // ---------------------------------------------------------------- step 1: classify

    /**
     * Reads the packet through {@link AddressSpace#ALL} at its {@link PacketBatch#nativeAddress}:
     * the walk proves every offset read here present (the headers up to the L4 ports and, for TCP,
     * the flags), and the ICMP path reads through the checked {@link Packet} accessors.
     */
    private void classify(LbTables t, PacketBatch batch, int i, Verdicts verdicts) {
        // the verdict is DROP until set (the handler contract)
        final MemorySegment all = AddressSpace.ALL;
        long a = batch.nativeAddress(i);
        long walk = HeaderWalk.walk(all, a, batch.length(i));
        int protocol = HeaderWalk.l4Protocol(walk);
        if (HeaderWalk.code(walk) != ParseResult.OK || (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP)
                || HeaderWalk.isFragment(walk)) {
            classifyOther(t, batch, i, walk, verdicts);
            return;
        }
        // TCP or UDP with ports: the common case, kept small so that the burst's loop can inline it.
        boolean v6 = HeaderWalk.isIpv6(walk);
        int l3 = HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk));
        long ip = a + l3;
        long dHi = v6 ? NetworkOrder.u64(all, ip + Ipv6Header.DESTINATION_OFFSET) : 0;
        long dLo = v6 ? NetworkOrder.u64(all, ip + Ipv6Header.DESTINATION_OFFSET + 8)
                : NetworkOrder.u32(all, ip + Ipv4Header.DESTINATION_OFFSET) & 0xFFFF_FFFFL;
        long l4 = a + HeaderWalk.l4Offset(walk);
        int bothPorts = NetworkOrder.u32(all, l4); // source port in bits 31..16, destination in 15..0
        int v = findVip(t, v6, dHi, dLo, protocol, bothPorts & 0xFFFF);
        if (v == LbTables.NO_VIP) {
            done(i, LbCounters.DROP_NOT_VIP);
            return;
        }
        countShape(ip, walk, v6);
        l3Offsets[i] = l3;
        vipIndexes[i] = v;
        setFlowKey(i, FlowKey.meta(t.vip(v).id, protocol, bothPorts), ip, v6);
        actions[i] = protocol == IpProtocol.TCP
                && (NetworkOrder.u8(all, l4 + TcpHeader.FLAGS_OFFSET) & (TcpHeader.SYN | TcpHeader.ACK)) == TcpHeader.SYN
                ? SYN : FLOW;
    }

    /** Sets slot {@code i}'s key from {@code meta} and the source address of the IP header at {@code ip}. */
    private void setFlowKey(int i, long meta, long ip, boolean v6) {
        final MemorySegment all = AddressSpace.ALL;
        if (v6) {
            setKey(i, meta, NetworkOrder.u64(all, ip + Ipv6Header.SOURCE_OFFSET), NetworkOrder.u64(all, ip + Ipv6Header.SOURCE_OFFSET + 8));
        } else {
            setKey(i, meta, 0, FlowKey.mappedIpv4(NetworkOrder.u32(all, ip + Ipv4Header.SOURCE_OFFSET)));
        }
    }

    /**
     * The VIP of a TCP or UDP packet to this address, protocol and port, or {@link LbTables#NO_VIP};
     * the last answer is kept for the rest of the burst, whose packets mostly go to one VIP.
     */
    private int findVip(LbTables t, boolean v6, long dHi, long dLo, int protocol, int dstPort) {
        int protocolPort = protocol << 16 | dstPort;
        if (protocolPort == lastProtocolPort && dLo == lastLo && dHi == lastHi && v6 == lastIpv6) {
            return lastVip;
        }
        int v = t.findVip(v6, dHi, dLo, protocol, dstPort);
        lastIpv6 = v6;
        lastHi = dHi;
        lastLo = dLo;
        lastProtocolPort = protocolPort;
        lastVip = v;
        return v;
    }

    /** Slot {@code i} is done in the classification: no table key, and if {@code dropReason >= 0} a counted drop. */
    private void done(int i, int dropReason) {
        actions[i] = DONE;
        keyMetas[i] = 0;
        keyHashes[i] = 0;
        if (dropReason >= 0) {
            counters.drop(dropReason);
        }
    }

    /** The rest of the classification: walk failures, fragments, ICMP, protocols no VIP takes. */
    private void classifyOther(LbTables t, PacketBatch batch, int i, long walk, Verdicts verdicts) {
        done(i, -1);
        int code = HeaderWalk.code(walk);
        if (code != ParseResult.OK) {
            counters.drop(LbCounters.dropCounterOf(code));
            return;
        }
        final MemorySegment all = AddressSpace.ALL;
        long a = batch.nativeAddress(i);
        boolean v6 = HeaderWalk.isIpv6(walk);
        int l3 = HeaderWalk.l3Offset(HeaderWalk.vlanCount(walk));
        int protocol = HeaderWalk.l4Protocol(walk);
        int l4 = HeaderWalk.l4Offset(walk);
        long ip = a + l3;
        long sHi;
        long sLo;
        long dHi;
        long dLo;
        if (v6) {
            sHi = NetworkOrder.u64(all, ip + Ipv6Header.SOURCE_OFFSET);
            sLo = NetworkOrder.u64(all, ip + Ipv6Header.SOURCE_OFFSET + 8);
            dHi = NetworkOrder.u64(all, ip + Ipv6Header.DESTINATION_OFFSET);
            dLo = NetworkOrder.u64(all, ip + Ipv6Header.DESTINATION_OFFSET + 8);
        } else {
            sHi = 0;
            sLo = FlowKey.mappedIpv4(NetworkOrder.u32(all, ip + Ipv4Header.SOURCE_OFFSET));
            dHi = 0;
            dLo = NetworkOrder.u32(all, ip + Ipv4Header.DESTINATION_OFFSET) & 0xFFFF_FFFFL;
        }
        l3Offsets[i] = l3;
        if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) { // a fragment: classify() took the rest
            int v = t.findFragmentVip(v6, dHi, dLo, protocol);
            if (v == LbTables.NO_VIP) {
                counters.drop(LbCounters.DROP_NOT_VIP);
                return;
            }
            countShape(ip, walk, v6);
            counters.inc(LbCounters.FRAGMENTS);
            vipIndexes[i] = v;
            keySrcHi[i] = sHi;
            keySrcLo[i] = sLo;
            keyMetas[i] = FlowKey.meta(t.vip(v).id, protocol, 0); // no ports; the hash stays 0: not a table key
            actions[i] = FRAGMENT;
        } else if (protocol == (v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP)) {
            int v = t.findVipAddress(v6, dHi, dLo);
            if (v == LbTables.NO_VIP) {
                counters.drop(LbCounters.DROP_NOT_VIP);
                return;
            }
            countShape(ip, walk, v6);
            if (HeaderWalk.isFragment(walk)) {
                counters.inc(LbCounters.FRAGMENTS);
                counters.drop(LbCounters.DROP_ICMP_UNSUPPORTED);
                return;
            }
            icmp(t, batch.packet(i), i, walk, l3, l4, v6, dHi, dLo, verdicts);
        } else {
            counters.drop(LbCounters.DROP_NOT_VIP);
        }
    }

    /** Counts the packet's IPv4 options or IPv6 extension headers (forwarded as they are). */
    private void countShape(long ip, long walk, boolean v6) {
        if (v6) {
            if (HeaderWalk.extensionCount(walk) != 0) {
                counters.inc(LbCounters.IPV6_EXTENSION_HEADERS);
            }
        } else if ((NetworkOrder.u8(AddressSpace.ALL, ip) & 0x0F) > 5) {
            counters.inc(LbCounters.IPV4_OPTIONS);
        }
    }

    /** Sets slot {@code i}'s connection-table key. */
    private void setKey(int i, long meta, long srcHi, long srcLo) {
        keyMetas[i] = meta;
        keySrcHi[i] = srcHi;
        keySrcLo[i] = srcLo;
        keyHashes[i] = FlowKey.hash(meta, srcHi, srcLo);
    }

    /** ICMP or ICMPv6 to a VIP address: echo answered here, an error about a VIP flow classified. */
    private void icmp(LbTables t, Packet p, int i, long walk, int l3, int l4, boolean v6, long dHi, long dLo,
                      Verdicts verdicts) {
        int type = p.getByte(l4);
        int code = p.getByte(l4 + 1);
        boolean echo = v6 ? type == Icmpv6Header.ECHO_REQUEST : type == IcmpHeader.ECHO_REQUEST && code == 0;
        if (echo) {
            if (IcmpReplies.echoReply(p, l3)) {
                counters.inc(LbCounters.ICMP_ECHO);
                verdicts.transmit(i, verdicts.receivedOn(i));
            } else {
                counters.drop(LbCounters.DROP_REPLY_FAILED);
            }
            return;
        }
        boolean tooBig = v6 ? type == Icmpv6Header.PACKET_TOO_BIG
                : type == IcmpHeader.DESTINATION_UNREACHABLE && code == IcmpReplies.CODE_FRAGMENTATION_NEEDED;
        if (!tooBig) {
            counters.drop(LbCounters.DROP_ICMP_UNSUPPORTED);
            return;
        }
        int end = v6 ? l3 + Ipv6Header.LENGTH + p.getShort(l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET)
                : l3 + HeaderWalk.ipv4TotalLength(walk);
        long quoted = v6 ? quoted6(p, i, l4 + Icmpv6Header.LENGTH, end, dHi, dLo) : quoted4(p, i, l4 + IcmpHeader.LENGTH, end, dLo);
        if (quoted < 0) {
            counters.drop((int) -quoted);
            return;
        }
        // The quoted packet went from the VIP to the client: its flow is the reverse.
        int protocol = (int) (quoted >>> 32);
        int bothPorts = (int) quoted;
        int v = t.findVip(v6, dHi, dLo, protocol, bothPorts & 0xFFFF);
        if (v == LbTables.NO_VIP) {
            counters.drop(LbCounters.DROP_ICMP_NOT_VIP_FLOW);
            return;
        }
        vipIndexes[i] = v;
        setKey(i, FlowKey.meta(t.vip(v).id, protocol, bothPorts), keySrcHi[i], keySrcLo[i]);
        actions[i] = ICMP_ERROR;
    }

    /**
     * Reads the IPv4 packet an ICMP error quotes at {@code q} (up to {@code end}) leniently: it is
     * cut short, so only its header and ports must be there, whatever its Total Length says. Sets
     * slot {@code i}'s source address to the quoted packet's destination (the client), and returns
     * the quoted flow reversed (client → VIP): its protocol in bits 39..32, its source port in bits
     * 31..16 and destination port in 15..0; or a drop reason, negated.
     */
    private long quoted4(Packet p, int i, int q, int end, long vipAddress) {
        if (end - q < Ipv4Header.MIN_LENGTH) {
            return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE;
        }
        int versionIhl = p.getByte(q);
        int hl = (versionIhl & 0x0F) * 4;
        if (versionIhl >>> 4 != 4 || hl < Ipv4Header.MIN_LENGTH || end - q < hl + HeaderWalk.PORTS_LENGTH
                || (p.getShort(q + Ipv4Header.FLAGS_FRAGMENT_OFFSET) & Ipv4Header.FRAGMENT_OFFSET_MASK) != 0) {
            return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE;
        }
        int protocol = p.getByte(q + Ipv4Header.PROTOCOL_OFFSET);
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE;
        }
        long source = p.getInt(q + Ipv4Header.SOURCE_OFFSET) & 0xFFFF_FFFFL;
        if (source != vipAddress) {
            return -LbCounters.DROP_ICMP_NOT_VIP_FLOW; // the error is about a packet another host sent
        }
        keySrcHi[i] = 0;
        keySrcLo[i] = FlowKey.mappedIpv4(p.getInt(q + Ipv4Header.DESTINATION_OFFSET));
        return (long) protocol << 32 | ((p.getShort(q + hl + 2) << 16 | p.getShort(q + hl)) & 0xFFFF_FFFFL);
    }

    /** As {@link #quoted4} for the IPv6 packet an ICMPv6 packet-too-big quotes (extension headers walked, bounded). */
    private long quoted6(Packet p, int i, int q, int end, long vipHi, long vipLo) {
        if (end - q < Ipv6Header.LENGTH || p.getByte(q) >>> 4 != 6) {
            return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE;
        }
        int next = p.getByte(q + Ipv6Header.NEXT_HEADER_OFFSET);
        int at = q + Ipv6Header.LENGTH;
        for (int k = 0; IpProtocol.isIpv6ExtensionHeader(next); k++) {
            if (k == HeaderWalk.MAX_IPV6_EXTENSION_HEADERS || end - at < Ipv6ExtensionHeader.MIN_LENGTH) {
                return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE;
            }
            if (next == IpProtocol.FRAGMENT
                    && (p.getShort(at + Ipv6ExtensionHeader.FRAGMENT_OFFSET_FIELD_OFFSET) & Ipv6ExtensionHeader.FRAGMENT_OFFSET_MASK) != 0) {
                return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE; // a later fragment: no ports
            }
            int length = Ipv6ExtensionHeader.length(next, p.getByte(at + Ipv6ExtensionHeader.LENGTH_OFFSET));
            next = p.getByte(at + Ipv6ExtensionHeader.NEXT_HEADER_OFFSET);
            at += length;
        }
        if ((next != IpProtocol.TCP && next != IpProtocol.UDP) || end - at < HeaderWalk.PORTS_LENGTH) {
            return -LbCounters.DROP_ICMP_QUOTE_UNUSABLE;
        }
        if (p.getLong(q + Ipv6Header.SOURCE_OFFSET) != vipHi || p.getLong(q + Ipv6Header.SOURCE_OFFSET + 8) != vipLo) {
            return -LbCounters.DROP_ICMP_NOT_VIP_FLOW;
        }
        keySrcHi[i] = p.getLong(q + Ipv6Header.DESTINATION_OFFSET);
        keySrcLo[i] = p.getLong(q + Ipv6Header.DESTINATION_OFFSET + 8);
        return (long) next << 32 | ((p.getShort(at + 2) << 16 | p.getShort(at)) & 0xFFFF_FFFFL);
    }

    // ---------------------------------------------------------------- step 2: choose and forward

    private void choose(LbTables t, PacketBatch batch, int i, int action, long now, Verdicts verdicts) {
        Vip vip = t.vip(vipIndexes[i]);
        if (action == FLOW) { // the common case, kept small so that the burst's loop can inline it
            int id = connections.lookup(keyHashes[i], keyMetas[i], keySrcHi[i], keySrcLo[i], now);
            int b = id == ConnectionTable.NOT_FOUND ? -1 : vip.indexOfBackend(id);
            if (b >= 0) {
                counters.inc(LbCounters.CONN_HIT);
                countVip(vip.statsRow, StatsColumns.CONN_HIT, 1);
                forward(t, batch, i, vip, b, NO_HASH, false, verdicts);
                return;
            }
            counters.inc(LbCounters.CONN_MISS);
            countVip(vip.statsRow, StatsColumns.CONN_MISS, 1);
        }
        chooseOther(t, batch, i, action, vip, now, verdicts);
    }

    /** A SYN, a connection-table miss, a fragment or an ICMP error: the Maglev choice where the table has none. */
    private void chooseOther(LbTables t, PacketBatch batch, int i, int action, Vip vip, long now, Verdicts verdicts) {
        long hash;
        int b;
        switch (action) {
            case SYN -> {
                counters.inc(LbCounters.SYN);
                hash = flowHash(vip, i);
                b = newFlow(t, vip, i, hash, now);
            }
            case FLOW -> { // a miss
                hash = flowHash(vip, i);
                b = newFlow(t, vip, i, hash, now);
            }
            case FRAGMENT -> {
                hash = vip.hashFields == FlowHash.SOURCE ? flowHash(vip, i)
                        : FlowHash.fragment(ConnectionTableDescriptor.protocolOf(keyMetas[i]), sourceHi(vip, i), sourceLo(vip, i),
                                vip.addressHi, vip.addressLo);
                b = vip.choose(hash);
            }
            default -> { // ICMP_ERROR
                hash = NO_HASH;
                int id = connections.lookup(keyHashes[i], keyMetas[i], keySrcHi[i], keySrcLo[i], now);
                b = id == ConnectionTable.NOT_FOUND ? -1 : vip.indexOfBackend(id);
                if (b < 0) {
                    hash = flowHash(vip, i);
                    b = vip.choose(hash);
                }
            }
        }
        if (b == MaglevTable.NO_BACKEND) {
            drop(vip, LbCounters.DROP_NO_BACKEND, StatsColumns.DROP_NO_BACKEND);
            return;
        }
        forward(t, batch, i, vip, b, hash, action == ICMP_ERROR, verdicts);
    }

    /** A drop of a packet whose VIP is known: the worker's counters, and the VIP's dropped (and {@code column}, unless {@link #NO_COLUMN}). */
    private void drop(Vip vip, int reason, int column) {
        counters.drop(reason);
        countVip(vip.statsRow, StatsColumns.DROPPED, 1);
        if (column != NO_COLUMN) {
            countVip(vip.statsRow, column, 1);
        }
    }

    /** The flow hash of slot {@code i}'s flow, whose destination is its VIP's address. */
    private long flowHash(Vip vip, int i) {
        long meta = keyMetas[i];
        return FlowHash.of(vip.hashFields, ConnectionTableDescriptor.protocolOf(meta), sourceHi(vip, i), sourceLo(vip, i),
                ConnectionTableDescriptor.srcPortOf(meta), vip.addressHi, vip.addressLo, ConnectionTableDescriptor.dstPortOf(meta));
    }

    /** Slot {@code i}'s source address as the flow hash takes it: an IPv4 address unmapped (high half 0). */
    private long sourceHi(Vip vip, int i) {
        return vip.ipv6 ? keySrcHi[i] : 0;
    }

    private long sourceLo(Vip vip, int i) {
        return vip.ipv6 ? keySrcLo[i] : keySrcLo[i] & 0xFFFF_FFFFL;
    }

    /**
     * The Maglev choice for a new flow, inserted into the connection table; or NO_BACKEND. An entry
     * the insert evicted counts in its own backend's row (rare: only when the key's bucket is full).
     */
    private int newFlow(LbTables t, Vip vip, int i, long hash, long now) {
        int b = vip.choose(hash);
        if (b != MaglevTable.NO_BACKEND) {
            long evicted = connections.insert(keyHashes[i], keyMetas[i], keySrcHi[i], keySrcLo[i], vip.backendIds[b], now);
            if (evicted != ConnectionTable.NO_EVICTION) {
                stats.add(t.backendStatsRow(ConnectionTable.evictedVip(evicted), ConnectionTable.evictedBackend(evicted)),
                        StatsColumns.CONN_EVICTION, 1);
            }
            counters.inc(LbCounters.NEW_FLOWS);
            stats.add(vip.backendStatsRows[b], StatsColumns.NEW_FLOWS, 1);
            countVip(vip.statsRow, StatsColumns.NEW_FLOWS, 1);
        }
        return b;
    }

    /**
     * Forwards slot {@code i}'s packet to backend {@code b} of its VIP by the VIP's mode. {@code hash}
     * is the flow hash, or {@link #NO_HASH} when not computed yet (an established flow: dsr needs
     * none, an encapsulation computes it for the outer source and GUE port).
     */
    private void forward(LbTables t, PacketBatch batch, int i, Vip vip, int b, long hash, boolean icmpError,
                         Verdicts verdicts) {
        long mac = vip.backendMac[b];
        if (mac < 0) {
            drop(vip, LbCounters.DROP_NO_MAC, StatsColumns.DROP_NO_MAC);
            return;
        }
        if (vip.forwarding == Vip.DSR) {
            Rewrites.dsr(batch.nativeAddress(i), t.ownMac(), mac);
            sent(vip, b, batch.length(i), i, icmpError, verdicts);
            return;
        }
        encapsulate(t, batch, i, vip, b, hash == NO_HASH ? flowHash(vip, i) : hash, mac, icmpError, verdicts);
    }

    private void encapsulate(LbTables t, PacketBatch batch, int i, Vip vip, int b, long hash, long mac, boolean icmpError,
                             Verdicts verdicts) {
        Packet p = batch.packet(i);
        int received = p.length(); // counted as received: before the encapsulation
        int l3 = l3Offsets[i];
        boolean outer6 = vip.backendIpv6[b];
        boolean gue = vip.forwarding == Vip.GUE;
        int overhead = Rewrites.overhead(outer6, gue);
        boolean inner6 = vip.ipv6;
        int length = inner6 ? Ipv6Header.LENGTH + p.getShort(l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET)
                : p.getShort(l3 + Ipv4Header.TOTAL_LENGTH_OFFSET);
        if (length + overhead > t.mtu()) {
            tooBig(t, vip, p, i, l3, inner6, overhead, icmpError, verdicts);
            return;
        }
        long own = t.ownMac();
        boolean done;
        if (outer6) {
            long sHi = t.outerSource6Hi(hash);
            long sLo = t.outerSource6Lo(hash);
            done = gue
                    ? Rewrites.gueOver6(p, l3, sHi, sLo, vip.backendHi[b], vip.backendLo[b], FlowHash.gueSourcePort(hash),
                            vip.guePort, own, mac)
                    : Rewrites.ipipOver6(p, l3, sHi, sLo, vip.backendHi[b], vip.backendLo[b], own, mac);
        } else {
            int src = t.outerSource4(hash);
            int dst = (int) vip.backendLo[b];
            done = gue
                    ? Rewrites.gueOver4(p, l3, src, dst, FlowHash.gueSourcePort(hash), vip.guePort, own, mac)
                    : Rewrites.ipipOver4(p, l3, src, dst, own, mac);
        }
        if (!done) {
            drop(vip, LbCounters.DROP_NO_HEADROOM, NO_COLUMN);
            return;
        }
        sent(vip, b, received, i, icmpError, verdicts);
    }

    /** Slot {@code i}'s packet of {@code bytes} (as received) goes to backend {@code b}: counted, and sent back out its port. */
    private void sent(Vip vip, int b, int bytes, int i, boolean icmpError, Verdicts verdicts) {
        int backendRow = vip.backendStatsRows[b];
        stats.add(backendRow, StatsColumns.PACKETS, 1);
        stats.add(backendRow, StatsColumns.BYTES, bytes);
        countVip(vip.statsRow, StatsColumns.PACKETS, 1);
        countVip(vip.statsRow, StatsColumns.BYTES, bytes);
        counters.inc(LbCounters.FORWARDED);
        if (icmpError) {
            counters.inc(LbCounters.ICMP_TO_BACKEND);
        }
        verdicts.transmit(i, verdicts.receivedOn(i));
    }

    /**
     * The encapsulated packet would exceed the MTU: tell the client the size that fits (the MTU less
     * the encapsulation), by fragmentation-needed (IPv4 with DF) or packet-too-big (IPv6), built in
     * this frame and sent back; an IPv4 packet without DF, or an ICMP error, is dropped (the balancer
     * does not fragment, and never answers an error with an error).
     */
    private void tooBig(LbTables t, Vip vip, Packet p, int i, int l3, boolean inner6, int overhead, boolean icmpError,
                        Verdicts verdicts) {
        boolean dontFragment = inner6 || (p.getShort(l3 + Ipv4Header.FLAGS_FRAGMENT_OFFSET) & Ipv4Header.FLAG_DONT_FRAGMENT) != 0;
        if (icmpError || !dontFragment) {
            drop(vip, LbCounters.DROP_TOO_BIG, NO_COLUMN);
            return;
        }
        int mtu = t.mtu() - overhead;
        boolean built = inner6 ? IcmpReplies.packetTooBig(p, l3, mtu) : IcmpReplies.fragmentationNeeded(p, l3, mtu);
        if (!built) {
            drop(vip, LbCounters.DROP_REPLY_FAILED, NO_COLUMN);
            return;
        }
        counters.inc(LbCounters.FRAG_NEEDED_SENT);
        verdicts.transmit(i, verdicts.receivedOn(i));
    }
}
