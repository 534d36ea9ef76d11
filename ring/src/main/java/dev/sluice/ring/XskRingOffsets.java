package dev.sluice.ring;

/**
 * Byte offsets of the fields of one mmap'ed XSK ring, exactly as the kernel returns them in a
 * {@code struct xdp_ring_offset} from {@code getsockopt(SOL_XDP, XDP_MMAP_OFFSETS)}.
 * <p>
 * Never hard-code these: they depend on the kernel build (cache-line size, struct revisions).
 * See {@link XskRingDescriptor} for the layout they describe.
 *
 * @param producer offset of the u32 producer index
 * @param consumer offset of the u32 consumer index
 * @param flags    offset of the u32 flags word ({@link XskRingDescriptor#NEED_WAKEUP})
 * @param desc     offset of the first entry of the descriptor array
 */
public record XskRingOffsets(long producer, long consumer, long flags, long desc) {

    public XskRingOffsets {
        if (producer < 0 || consumer < 0 || flags < 0 || desc < 0) {
            throw new IllegalArgumentException("XSK ring offsets must not be negative: producer=" + producer
                + " consumer=" + consumer + " flags=" + flags + " desc=" + desc);
        }
    }
}
