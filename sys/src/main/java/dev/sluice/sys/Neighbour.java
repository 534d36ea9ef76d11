package dev.sluice.sys;

import java.net.InetAddress;

/**
 * One entry of the kernel's neighbour table (ARP for IPv4, neighbour discovery for IPv6), as
 * {@link Neighbours} reads it.
 *
 * @param ifindex the interface the entry belongs to
 * @param address the neighbour's IP address
 * @param mac     its link-layer address (48 low bits, first wire byte in bits 47..40), or -1 when the
 *                entry has none (being resolved, failed, or a device without link-layer addresses)
 * @param state   the NUD_* state bits
 * @param flags   the NTF_* flags
 */
public record Neighbour(int ifindex, InetAddress address, long mac, int state, int flags) {
    public static final int NUD_NONE = 0x00;
    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_DELAY = 0x08;
    public static final int NUD_PROBE = 0x10;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    /** The states whose link-layer address the kernel itself sends to. */
    public static final int NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;

    /** Whether frames may be sent to {@link #mac}: a valid state and an address. */
    public boolean usable() {
        return (state & NUD_VALID) != 0 && mac != -1L;
    }

    /**
     * Whether the kernel should confirm the entry: STALE entries are never re-checked by the kernel
     * unless someone sends through it, and the data plane's frames do not pass through the kernel.
     */
    public boolean needsConfirmation() {
        return (state & NUD_STALE) != 0;
    }

    /** The state as {@code ip neigh} prints it, e.g. "REACHABLE". */
    public String stateName() {
        return stateName(state);
    }

    public static String stateName(int state) {
        if (state == NUD_NONE) {
            return "NONE";
        }
        StringBuilder sb = new StringBuilder();
        String[] names = {"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT"};
        for (int bit = 0; bit < names.length; bit++) {
            if ((state & (1 << bit)) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[bit]);
            }
        }
        return sb.toString();
    }
}
