package dev.sluice.lb.dataplane;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterKind;
import dev.sluice.counters.Labels;
import dev.sluice.proto.ParseResult;

/**
 * Counters of one worker's {@link LbHandler}: a {@link CounterGroup} of kind {@code lb} labelled
 * {@code worker=N}. The handler counts into plain per-worker fields during a burst and
 * {@link #flush}es them once at its end (one opaque store per counter that moved), so readers
 * (another thread, {@code sluice stat} through the counters file) see whole values.
 *
 * <p>Every packet the handler is given ends in exactly one of: {@link #FORWARDED} (to a backend,
 * {@link #ICMP_TO_BACKEND} included), {@link #ICMP_ECHO} and {@link #FRAG_NEEDED_SENT} (answered
 * back to the sender), or {@link #DROPPED}; each drop also counts one {@code drop_*} reason. The
 * other counters ({@link #NEW_FLOWS}, {@link #FRAGMENTS}, ...) describe packets counted there too.
 */
public final class LbCounters {
    public static final String KIND = "lb";

    /** Packets sent to a backend (dsr, ipip or gue), ICMP errors about VIP flows included. */
    public static final int FORWARDED = 0;
    /** Flows given a backend by Maglev and inserted into the connection table. */
    public static final int NEW_FLOWS = 1;
    /** Connection-table lookups that found the flow with a backend still in its VIP. */
    public static final int CONN_HIT = 2;
    /** Lookups that did not (unknown, expired, or its backend left the VIP). */
    public static final int CONN_MISS = 3;
    /** Entries the connection table evicted to make room. */
    public static final int CONN_EVICTION = 4;
    /** TCP SYNs without ACK: they skip the lookup and take the current Maglev choice. */
    public static final int SYN = 5;
    /** ICMP / ICMPv6 echo requests to a VIP address, answered by the balancer. */
    public static final int ICMP_ECHO = 6;
    /** ICMP fragmentation-needed / ICMPv6 packet-too-big about a VIP flow, sent to that flow's backend. */
    public static final int ICMP_TO_BACKEND = 7;
    /** Fragmentation-needed / packet-too-big sent back because the encapsulated packet would exceed the MTU. */
    public static final int FRAG_NEEDED_SENT = 8;
    /** IPv4 or IPv6 fragments to a VIP (balanced on addresses, no connection table). */
    public static final int FRAGMENTS = 9;
    /** IPv4 packets to a VIP with options (forwarded as they are). */
    public static final int IPV4_OPTIONS = 10;
    /** IPv6 packets to a VIP with extension headers (forwarded as they are). */
    public static final int IPV6_EXTENSION_HEADERS = 11;
    /** Every packet dropped, whatever the reason (the sum of the drop_* counters). */
    public static final int DROPPED = 12;
    /** Not IPv4 or IPv6 (ARP, other EtherTypes). */
    public static final int DROP_NOT_IP = 13;
    /** IP, but to no VIP (address, protocol, port), or a protocol a VIP does not take. */
    public static final int DROP_NOT_VIP = 14;
    /** The VIP has no backend that takes new flows (all weight 0 or unresolved). */
    public static final int DROP_NO_BACKEND = 15;
    /** The flow's backend (from the connection table) has no known MAC at the moment. */
    public static final int DROP_NO_MAC = 16;
    /** Encapsulated it would exceed the MTU and it is IPv4 without DF (or an ICMP error). */
    public static final int DROP_TOO_BIG = 17;
    /** The frame had too little headroom for the encapsulation. */
    public static final int DROP_NO_HEADROOM = 18;
    /** ICMP to a VIP address other than echo request and fragmentation-needed / packet-too-big. */
    public static final int DROP_ICMP_UNSUPPORTED = 19;
    /** An ICMP error whose quoted packet is not from a VIP. */
    public static final int DROP_ICMP_NOT_VIP_FLOW = 20;
    /** An ICMP error whose quoted header is too short or not TCP/UDP with ports. */
    public static final int DROP_ICMP_QUOTE_UNUSABLE = 21;
    /** An ICMP reply (echo, fragmentation-needed) could not be built in the frame. */
    public static final int DROP_REPLY_FAILED = 22;
    /** The first of the parse-failure reasons: {@code drop_} + {@link ParseResult#name} of each code. */
    public static final int DROP_PARSE_BASE = 23;

    private static final int[] PARSE_CODES = {
        ParseResult.TRUNCATED_ETHERNET, ParseResult.TRUNCATED_VLAN, ParseResult.TRUNCATED_IPV4,
        ParseResult.TRUNCATED_IPV6, ParseResult.TRUNCATED_IPV6_EXTENSION, ParseResult.TRUNCATED_TCP,
        ParseResult.TRUNCATED_UDP, ParseResult.TRUNCATED_ICMP, ParseResult.TRUNCATED_ICMPV6,
        ParseResult.MALFORMED_IPV4_VERSION, ParseResult.MALFORMED_IPV4_IHL, ParseResult.MALFORMED_IPV4_TOTAL_LENGTH,
        ParseResult.MALFORMED_IPV4_FRAGMENT, ParseResult.MALFORMED_IPV6_VERSION,
        ParseResult.MALFORMED_IPV6_PAYLOAD_LENGTH, ParseResult.MALFORMED_IPV6_EXTENSION_CHAIN,
        ParseResult.MALFORMED_TCP_DATA_OFFSET, ParseResult.MALFORMED_UDP_LENGTH, ParseResult.UNSUPPORTED_VLAN_DEPTH,
    };

    private static final CounterKind NAMES;
    /** ParseResult code → counter; codes the header walk never returns for IP frames count as not IP. */
    private static final int[] BY_PARSE_CODE = new int[ParseResult.COUNT];

    static {
        String[] fixed = {
            "forwarded", "new_flows", "conn_hit", "conn_miss", "conn_eviction", "syn", "icmp_echo", "icmp_to_backend",
            "frag_needed_sent", "fragments", "ipv4_options", "ipv6_extension_headers", "dropped", "drop_not_ip",
            "drop_not_vip", "drop_no_backend", "drop_no_mac", "drop_too_big", "drop_no_headroom",
            "drop_icmp_unsupported", "drop_icmp_not_vip_flow", "drop_icmp_quote_unusable", "drop_reply_failed",
        };
        String[] names = new String[fixed.length + PARSE_CODES.length];
        System.arraycopy(fixed, 0, names, 0, fixed.length);
        java.util.Arrays.fill(BY_PARSE_CODE, DROP_NOT_IP);
        for (int i = 0; i < PARSE_CODES.length; i++) {
            names[DROP_PARSE_BASE + i] = "drop_" + ParseResult.name(PARSE_CODES[i]);
            BY_PARSE_CODE[PARSE_CODES[i]] = DROP_PARSE_BASE + i;
        }
        NAMES = new CounterKind(KIND, names);
    }

    public static final int COUNT = NAMES.count();

    private final CounterGroup group;
    private final long base;
    private final long[] pending = new long[COUNT];

    /** Counters in this process's memory (tests, embedded use without a counters file). */
    public LbCounters() {
        this(CounterAllocator.inMemory(), 0);
    }

    /** The counters of worker {@code worker}, from {@code allocator} (the counters file). */
    public LbCounters(CounterAllocator allocator, int worker) {
        this.group = NAMES.allocate(allocator, Labels.of("worker", Integer.toString(worker)));
        this.base = group.address(0);
    }

    /** The drop counter of a header-walk failure code. */
    public static int dropCounterOf(int parseCode) {
        return parseCode >= 0 && parseCode < BY_PARSE_CODE.length ? BY_PARSE_CODE[parseCode] : DROP_NOT_IP;
    }

    void inc(int counter) {
        pending[counter]++;
    }

    void add(int counter, long delta) {
        pending[counter] += delta;
    }

    /** A drop: {@link #DROPPED} and its reason. */
    void drop(int reason) {
        pending[DROPPED]++;
        pending[reason]++;
    }

    /** Publishes what the burst counted: one opaque store per counter that moved. */
    void flush() {
        long[] p = pending;
        for (int i = 0; i < p.length; i++) {
            long d = p[i];
            if (d != 0) {
                CounterGroup.addOpaque(base + 8L * i, d);
                p[i] = 0;
            }
        }
    }

    /** The published value (any thread). */
    public long get(int counter) {
        return group.get(counter);
    }

    /** The published value of the counter of this name. */
    public long get(String name) {
        return group.get(indexOf(name));
    }

    public static int indexOf(String name) {
        return NAMES.indexOf(name);
    }

    public static String name(int counter) {
        return NAMES.name(counter);
    }

    /** The group (to free it when the worker is gone). */
    public CounterGroup group() {
        return group;
    }

    /** Every counter as {@code name=value}, zeros left out (tests, logs). */
    @Override
    public String toString() {
        return CounterKind.values(group, false);
    }
}
