package dev.sluice.umem;

/**
 * Who owns each frame of a UMEM, for tests and debugging: every frame has exactly one owner at any
 * instant, and every hand-over must come from the owner the protocol expects. A hand-over from the
 * wrong owner (a frame used twice, a frame lost and reused) is counted in {@link #violations()},
 * never thrown, so that a data path under test keeps running and the test reads the count.
 *
 * <p>Costs one byte load and store per frame hand-over; ports enable it only when asked.
 * Single-writer per frame: frames that migrate between threads must be handed over through a
 * ring with release/acquire ordering (which the rings provide).
 */
public final class FrameOwnership {
    public static final byte POOL = 0;
    public static final byte FILL = 1;
    public static final byte APP = 2;
    public static final byte TX = 3;
    private static final String[] NAMES = {"pool", "fill", "app", "tx"};

    private final byte[] owner;
    private final int frameShift;
    private long violations;
    private String firstViolation;

    public FrameOwnership(Umem umem) {
        this.owner = new byte[umem.frameCount()];
        this.frameShift = Integer.numberOfTrailingZeros(umem.frameSize());
    }

    /** Records that the frame holding {@code addr} moves from {@code from} to {@code to}. */
    public void move(long addr, byte from, byte to) {
        int frame = (int) (addr >>> frameShift);
        if (frame < 0 || frame >= owner.length) {
            violation("address " + addr + " outside the UMEM");
            return;
        }
        byte actual = owner[frame];
        if (actual != from) {
            violation("frame " + frame + " moved " + NAMES[from] + "->" + NAMES[to] + " but was owned by " + NAMES[actual]);
        }
        owner[frame] = to;
    }

    private void violation(String what) {
        if (violations++ == 0) {
            firstViolation = what;
        }
    }

    public long violations() {
        return violations;
    }

    /** The first violation seen, for test messages; null when none. */
    public String firstViolation() {
        return firstViolation;
    }

    /** Number of frames currently owned by {@code who}. */
    public int count(byte who) {
        int n = 0;
        for (byte b : owner) {
            if (b == who) {
                n++;
            }
        }
        return n;
    }
}
