package dev.sluice.drivers.xdp;

/**
 * Numbers of the kernel helper functions our programs call ({@code enum bpf_func_id} in
 * {@code linux/bpf.h}). Neither is GPL-only.
 */
public final class BpfHelper {
    /** {@code void *bpf_map_lookup_elem(map, const void *key)}: a pointer to the value or NULL. */
    public static final int MAP_LOOKUP_ELEM = 1;
    /**
     * {@code long bpf_redirect_map(map, u64 key, u64 flags)}: XDP_REDIRECT when the map holds an
     * entry at {@code key}, otherwise the XDP action in the low two bits of {@code flags}.
     */
    public static final int REDIRECT_MAP = 51;

    private BpfHelper() {
    }
}
