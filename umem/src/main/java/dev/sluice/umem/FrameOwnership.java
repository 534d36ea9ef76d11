package dev.sluice.umem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Who owns each frame of a UMEM, for tests and debugging: every frame has exactly one owner at any
 * instant, and every hand-over must come from the owner the protocol expects. A hand-over from the
 * wrong owner (a frame used twice, a frame lost and reused) is counted in {@link #violations()},
 * never thrown, so that a data path under test keeps running and the test reads the count.
 *
 * <p>Costs one byte load and store per frame hand-over; ports enable it only when asked.
 * Single-writer per frame: frames that migrate between threads must be handed over through a
 * ring with release/acquire ordering (which the rings provide), and the giver records the move
 * <em>before</em> it publishes the frame. Several threads may record moves of different frames at
 * once (pipelines: one record per UMEM shared by all workers and ports); violations are counted
 * atomically.
 */
public final class FrameOwnership {
    public static final byte POOL = 0;
    public static final byte FILL = 1;
    public static final byte APP = 2;
    public static final byte TX = 3;
    /** In an in-process ring between two pipeline workers (a stage hand-off or an egress request). */
    public static final byte STAGE = 4;
    private static final String[] NAMES = {"pool", "fill", "app", "tx", "stage"};
    private static final VarHandle VIOLATIONS;
    private static final VarHandle FIRST_VIOLATION;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            VIOLATIONS = lookup.findVarHandle(FrameOwnership.class, "violations", long.class);
            FIRST_VIOLATION = lookup.findVarHandle(FrameOwnership.class, "firstViolation", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
        VIOLATIONS.getAndAdd(this, 1L);
        FIRST_VIOLATION.compareAndSet(this, (String) null, what);
    }

    public long violations() {
        return (long) VIOLATIONS.getVolatile(this);
    }

    /** The first violation seen, for test messages; null when none. */
    public String firstViolation() {
        return (String) FIRST_VIOLATION.getVolatile(this);
    }

    /**
     * The start address of the first frame owned by {@code who} (lowest address), or -1 when none is:
     * tests find the one frame in flight without assuming which frame the pool handed out.
     */
    public long firstOwnedBy(byte who) {
        for (int i = 0; i < owner.length; i++) {
            if (owner[i] == who) {
                return (long) i << frameShift;
            }
        }
        return -1;
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

    /** Frames per owner, e.g. {@code pool=4090 app=6} (owners with no frame left out; for messages). */
    public String summary() {
        int[] n = new int[NAMES.length];
        for (byte b : owner) {
            n[b]++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n.length; i++) {
            if (n[i] > 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(NAMES[i]).append('=').append(n[i]);
            }
        }
        return sb.toString();
    }
}
