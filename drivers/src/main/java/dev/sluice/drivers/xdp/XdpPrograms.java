package dev.sluice.drivers.xdp;

import dev.sluice.sys.Bpf;
import dev.sluice.sys.BpfAttrDescriptor;
import dev.sluice.sys.LibC;

/**
 * Creates the XDP programs Sluice attaches: their maps first, then the bytecode that refers to
 * them, then the load (the verifier's log is in the exception when it refuses). Needs CAP_BPF and
 * CAP_NET_ADMIN (or root).
 */
public final class XdpPrograms {
    /**
     * The license string of our programs. It only gates GPL-only helpers, of which we use none
     * (bpf_map_lookup_elem and bpf_redirect_map are available to any license).
     */
    public static final String LICENSE = "Apache-2.0";

    /**
     * The most rules a steering program holds. Its hash map is preallocated by the kernel (about
     * 100 bytes of locked memory per entry, three entries per rule), so the bound keeps a typo from
     * costing gigabytes.
     */
    public static final int MAX_STEERING_RULES = 1 << 16;

    static final String XSK_MAP_NAME = "sluice_xsks";
    static final String RULES_MAP_NAME = "sluice_rules";
    static final String COUNTERS_MAP_NAME = "sluice_counters";

    private XdpPrograms() {
    }

    /**
     * The redirect program ({@link RedirectAllProgram}): every frame of a queue goes to the socket
     * registered for that queue ({@link XdpProgram#registerSocket}), XDP_PASS while none is, except
     * ARP and IPv6 router/neighbour discovery, which always go to the kernel so that a kernel peer
     * keeps resolving the interface's addresses. Everything else, ping and TCP to the host's
     * addresses included, goes to the socket.
     *
     * @param queueSlots number of XSKMAP slots; queues 0..queueSlots-1 can get a socket
     */
    public static XdpProgram redirectAll(int queueSlots) {
        checkPositive("queueSlots", queueSlots);
        int xskMap = createXskMap(queueSlots);
        try {
            int prog = Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, RedirectAllProgram.emit(xskMap), LICENSE,
                    RedirectAllProgram.NAME, 0);
            return new XdpProgram(RedirectAllProgram.NAME, prog, xskMap, queueSlots, -1, 0, -1);
        } catch (RuntimeException e) {
            LibC.close(xskMap);
            throw e;
        }
    }

    /**
     * The steering program ({@link SteeringProgram}): frames that match a rule added with
     * {@link XdpProgram#addRule} go to the socket of their queue, the rest to the kernel. Starts
     * with no rule, so it passes everything until rules and sockets are in place.
     *
     * @param queueSlots number of XSKMAP slots; queues 0..queueSlots-1 can get a socket
     * @param maxRules   how many rules the program can hold (1..{@link #MAX_STEERING_RULES}); the
     *                   rule map gets room for each rule's entries
     *                   ({@link SteeringKeyDescriptor#MAX_ENTRIES_PER_RULE}), so adding rule
     *                   {@code maxRules + 1} is the only way to fill it
     */
    public static XdpProgram steering(int queueSlots, int maxRules) {
        checkPositive("queueSlots", queueSlots);
        checkPositive("maxRules", maxRules);
        if (maxRules > MAX_STEERING_RULES) {
            throw new IllegalArgumentException("maxRules " + maxRules + " is above the limit of " + MAX_STEERING_RULES
                    + " steering rules per program");
        }
        int xskMap = -1;
        int rules = -1;
        int counters = -1;
        try {
            xskMap = createXskMap(queueSlots);
            rules = Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_HASH, SteeringKeyDescriptor.KEY_SIZE,
                    SteeringKeyDescriptor.VALUE_SIZE, maxRules * SteeringKeyDescriptor.MAX_ENTRIES_PER_RULE, RULES_MAP_NAME);
            counters = Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_PERCPU_ARRAY, XdpCountersDescriptor.KEY_SIZE,
                    XdpCountersDescriptor.VALUE_SIZE, XdpCountersDescriptor.COUNT, COUNTERS_MAP_NAME);
            int prog = Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, SteeringProgram.emit(xskMap, rules, counters),
                    LICENSE, SteeringProgram.NAME, 0);
            return new XdpProgram(SteeringProgram.NAME, prog, xskMap, queueSlots, rules, maxRules, counters);
        } catch (RuntimeException e) {
            LibC.close(counters);
            LibC.close(rules);
            LibC.close(xskMap);
            throw e;
        }
    }

    private static int createXskMap(int queueSlots) {
        // key: u32 queue index; value: u32 socket fd (the kernel keeps the socket, not the fd).
        return Bpf.mapCreate(BpfAttrDescriptor.MAP_TYPE_XSKMAP, Integer.BYTES, Integer.BYTES, queueSlots, XSK_MAP_NAME);
    }

    private static void checkPositive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be at least 1, not " + value);
        }
    }
}
