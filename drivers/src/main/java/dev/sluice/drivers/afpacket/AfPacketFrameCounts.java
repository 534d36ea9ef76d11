package dev.sluice.drivers.afpacket;

/**
 * Where everything of an AF_PACKET port is, by owner. Three separate budgets, each adding up:
 *
 * <ul>
 *   <li>pool frames (the port's UMEM): {@code poolFree + poolApp == poolFrames}. Received packets
 *       are copied into them; the application holds them until transmit or release;</li>
 *   <li>RX blocks: {@code rxBlocksKernel + rxBlocksReady + rxBlocksHeld == rxBlocks}. Held is 0 or 1:
 *       the block being read, kept only while it has unread records;</li>
 *   <li>TX frames: {@code txFree + txInFlight == txFrames}. In flight from the copy until the kernel
 *       marks the frame available again.</li>
 * </ul>
 *
 * @param rxBlocksInconsistent blocks the port believes it holds but the kernel owns (a protocol
 *                             bug if ever non-zero)
 */
public record AfPacketFrameCounts(int poolFrames, int poolFree, int poolApp,
                                  int rxBlocks, int rxBlocksKernel, int rxBlocksReady, int rxBlocksHeld, int rxBlocksInconsistent,
                                  int txFrames, int txFree, int txInFlight) {

    /** True when every budget adds up. */
    public boolean balanced() {
        return poolFree + poolApp == poolFrames
                && rxBlocksKernel + rxBlocksReady + rxBlocksHeld == rxBlocks && rxBlocksInconsistent == 0
                && txFree + txInFlight == txFrames;
    }
}
