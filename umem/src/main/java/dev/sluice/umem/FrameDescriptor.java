package dev.sluice.umem;

/**
 * Packing of one frame hand-over into a single {@code long}, for in-process descriptor rings (memory
 * ports, links between pipeline workers). One place for this layout.
 *
 * <pre>
 *   6 6         5 5                               4 3
 *   3 2         6 5                               0 9                                             0
 *  +-+-----------+---------------------------------+-----------------------------------------------+
 *  |F|   port    |          length (u16)           |             UMEM address (40 bits)            |
 *  +-+-----------+---------------------------------+-----------------------------------------------+
 * </pre>
 * <ul>
 *   <li>address: byte offset of the packet's first byte in the UMEM (frame start plus headroom);
 *       40 bits address 1 TiB, far above the largest UMEM (2^22 frames of 4 KiB = 16 GiB);</li>
 *   <li>length: packet length in bytes (frames are at most 4096 bytes);</li>
 *   <li>port: a port index in 0..127 whose meaning belongs to the ring's users (the pipeline puts
 *       the receiving port on work links and the target port on egress links);</li>
 *   <li>F: a flag whose meaning belongs to the ring's users (the pipeline: "release, do not send").</li>
 * </ul>
 * A packed descriptor is never {@code -1} (that would need port 127, flag set, length 65535 and the
 * all-ones address), so rings may use -1 as "empty".
 */
public final class FrameDescriptor {
    public static final int ADDRESS_BITS = 40;
    public static final int LENGTH_SHIFT = 40;
    public static final int LENGTH_BITS = 16;
    public static final int PORT_SHIFT = 56;
    public static final int PORT_BITS = 7;
    public static final int FLAG_SHIFT = 63;

    public static final long ADDRESS_MASK = (1L << ADDRESS_BITS) - 1;
    public static final int MAX_LENGTH = (1 << LENGTH_BITS) - 1;
    public static final int MAX_PORT = (1 << PORT_BITS) - 1;
    public static final long FLAG = 1L << FLAG_SHIFT;

    private FrameDescriptor() {
    }

    /** Address and length, port 0, no flag. */
    public static long pack(long address, int length) {
        return (address & ADDRESS_MASK) | ((long) (length & MAX_LENGTH) << LENGTH_SHIFT);
    }

    public static long pack(long address, int length, int port) {
        return pack(address, length) | ((long) (port & MAX_PORT) << PORT_SHIFT);
    }

    public static long pack(long address, int length, int port, boolean flag) {
        return pack(address, length, port) | (flag ? FLAG : 0L);
    }

    public static long address(long descriptor) {
        return descriptor & ADDRESS_MASK;
    }

    public static int length(long descriptor) {
        return (int) (descriptor >>> LENGTH_SHIFT) & MAX_LENGTH;
    }

    public static int port(long descriptor) {
        return (int) (descriptor >>> PORT_SHIFT) & MAX_PORT;
    }

    public static boolean flag(long descriptor) {
        return descriptor < 0;
    }
}
