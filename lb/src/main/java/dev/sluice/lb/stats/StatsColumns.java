package dev.sluice.lb.stats;

/**
 * The columns of an {@link LbStats} row. A VIP's row and a backend's row share the first three.
 *
 * <pre>
 * VIP row:      packets | bytes | new_flows | conn_hit | conn_miss | dropped | drop_no_backend | drop_no_mac
 * backend row:  packets | bytes | new_flows | conn_eviction | (unused) ...
 * </pre>
 */
public final class StatsColumns {
    /** Packets forwarded to a backend (VIP: to any of its backends). */
    public static final int PACKETS = 0;
    /** Their bytes: the frame length as received, Ethernet header included, before any encapsulation. */
    public static final int BYTES = 1;
    /** Flows given a backend by Maglev and inserted into the connection table. */
    public static final int NEW_FLOWS = 2;
    /**
     * Backend: its flows' connection-table entries evicted to make room for another flow (a full
     * bucket); entries of a backend no longer in its VIP's tables are not counted per backend.
     */
    public static final int CONN_EVICTION = 3;
    /** VIP: connection-table lookups that found the flow with a backend still in the VIP. */
    public static final int CONN_HIT = 3;
    /** VIP: lookups that did not (unknown, expired, or its backend left the VIP). */
    public static final int CONN_MISS = 4;
    /** VIP: packets to this VIP dropped, whatever the reason. */
    public static final int DROPPED = 5;
    /** VIP: dropped because no backend takes new flows (all down, drained or unresolved). */
    public static final int DROP_NO_BACKEND = 6;
    /** VIP: dropped because the flow's backend has no known MAC at the moment. */
    public static final int DROP_NO_MAC = 7;

    /** Columns of a VIP row, in order: the counter names of an {@code lb_vip} group start with them. */
    static final String[] VIP_NAMES = {
        "packets", "bytes", "new_flows", "conn_hit", "conn_miss", "dropped", "drop_no_backend", "drop_no_mac",
    };
    /** Columns of a backend row, in order. */
    static final String[] BACKEND_NAMES = {"packets", "bytes", "new_flows", "conn_eviction"};

    private StatsColumns() {
    }
}
