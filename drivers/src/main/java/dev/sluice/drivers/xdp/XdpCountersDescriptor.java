package dev.sluice.drivers.xdp;

/**
 * The verdict counters of a steering program: a BPF_MAP_TYPE_PERCPU_ARRAY, key u32 index, value
 * u64 per CPU. Each CPU increments its own copy without atomics (an XDP program is not preempted
 * on its CPU); a reader sums the copies. User space reads all CPUs' values at once: the lookup
 * buffer holds one 8-byte value per possible CPU.
 *
 * <pre>
 * index  counter            counted when
 *   0    REDIRECTED         a rule matched and bpf_redirect_map returned XDP_REDIRECT
 *   1    NO_SOCKET          a rule matched but the queue's XSKMAP slot is empty: XDP_PASS
 *   2    NOT_MATCHED        a well-formed IPv4/IPv6 packet matched no rule: XDP_PASS
 *   3    NOT_IP             neither IPv4 nor IPv6 (ARP, LLDP, three VLAN tags, ...): XDP_PASS
 *   4    MALFORMED          truncated or invalid headers: XDP_PASS
 * </pre>
 *
 * Steered = REDIRECTED; passed to the kernel = the four others ({@link XdpCounters#passed()}).
 */
public final class XdpCountersDescriptor {
    public static final int REDIRECTED = 0;
    public static final int NO_SOCKET = 1;
    public static final int NOT_MATCHED = 2;
    public static final int NOT_IP = 3;
    public static final int MALFORMED = 4;
    public static final int COUNT = 5;

    /** The counters' names in the counters model, by index. */
    static final String[] NAMES = {"redirected", "no_socket", "not_matched", "not_ip", "malformed"};

    public static final int KEY_SIZE = 4;
    public static final int VALUE_SIZE = 8;

    private XdpCountersDescriptor() {
    }
}
