package dev.sluice.umem;

import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;

import java.lang.foreign.MemorySegment;

/**
 * A page-aligned region of packet frames shared with the kernel. Frame {@code i} starts at UMEM
 * address {@code i * frameSize}; UMEM addresses are byte offsets into {@link #segment()}.
 *
 * <pre>
 *  frame i (frameSize bytes)
 * +--------------------+----------------+---------------------------------+
 * | kernel headroom    | user headroom  | packet data ...                 |
 * | (256, RX only)     | (config)       |                                 |
 * +--------------------+----------------+---------------------------------+
 * ^ i * frameSize                       ^ RX descriptor addr points here
 * </pre>
 *
 * The region is mapped with mmap (huge pages when asked for and available) and unmapped on close.
 */
public final class Umem implements AutoCloseable {
    private static final long HUGE_PAGE = 2L << 20;

    private final UmemConfig config;
    private final MemorySegment segment;
    private final boolean hugePages;
    private final long frameMask;
    private boolean closed;

    private Umem(UmemConfig config, MemorySegment segment, boolean hugePages) {
        this.config = config;
        this.segment = segment;
        this.hugePages = hugePages;
        this.frameMask = ~((long) config.frameSize() - 1);
    }

    public static Umem allocate(UmemConfig config) {
        long size = config.byteSize();
        int flags = LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_POPULATE;
        if (config.hugePages()) {
            long hugeSize = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
            try {
                MemorySegment s = LibC.mmap(hugeSize, LibC.PROT_READ | LibC.PROT_WRITE, flags | LibC.MAP_HUGETLB, -1, 0,
                        "mmap(MAP_HUGETLB)", "allocating the UMEM on huge pages");
                return new Umem(config, s.asSlice(0, size), true);
            } catch (NativeException e) {
                // No huge pages reserved (vm.nr_hugepages = 0) or none left: normal pages work too.
            }
        }
        MemorySegment s = LibC.mmap(size, LibC.PROT_READ | LibC.PROT_WRITE, flags, -1, 0,
                "mmap", "allocating a UMEM of " + size + " bytes");
        return new Umem(config, s, false);
    }

    public UmemConfig config() {
        return config;
    }

    /** The whole region; UMEM addresses index into it. */
    public MemorySegment segment() {
        return segment;
    }

    public int frameSize() {
        return config.frameSize();
    }

    public int frameCount() {
        return config.frameCount();
    }

    public int headroom() {
        return config.headroom();
    }

    public boolean hugePages() {
        return hugePages;
    }

    /** Start of the frame that holds UMEM address {@code addr} (aligned chunk mode). */
    public long frameOf(long addr) {
        return addr & frameMask;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            long len = hugePages ? (segment.byteSize() + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1) : segment.byteSize();
            LibC.munmap(segment.reinterpret(len));
        }
    }
}
