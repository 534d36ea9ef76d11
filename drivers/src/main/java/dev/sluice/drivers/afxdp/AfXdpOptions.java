package dev.sluice.drivers.afxdp;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.xdp.XdpMode;
import dev.sluice.drivers.xdp.XdpPrograms;

/**
 * How to open an AF_XDP port. Immutable; change with the {@code with*} methods.
 *
 * @param copyMode        zero-copy first with copy as fallback (AUTO), or forced
 * @param xdpMode         where the kernel runs the XDP program (AUTO: native, else generic)
 * @param ringSize        entries in each of the RX, TX, FILL and COMPLETION rings (power of two)
 * @param framesInFlight  frames kept posted to the FILL ring per queue: fewer frames touch fewer
 *                        cache lines (benchmarks/README.md has the veth figures behind the default)
 * @param needWakeup      bind with XDP_USE_NEED_WAKEUP: the kernel asks for syscalls only when needed
 * @param steering        attach the steering program (only packets matching rules reach the
 *                        socket, everything else goes to the kernel) instead of redirect-all
 * @param attachProgram   attach an XDP program at all (false: the caller manages programs)
 * @param trackFrames     record every frame hand-over and count violations (tests, debugging)
 * @param counters        where each queue's {@link dev.sluice.drivers.PortCounters} live (default:
 *                        this process's memory; a counters file makes them readable by sluice stat)
 * @param steeringRules   how many rules the steering program can hold (its rule map is sized for
 *                        them; one more is an error); 1..{@link XdpPrograms#MAX_STEERING_RULES},
 *                        default {@link #DEFAULT_STEERING_RULES}
 */
public record AfXdpOptions(CopyMode copyMode, XdpMode xdpMode, int ringSize, int framesInFlight,
                           boolean needWakeup, boolean steering, boolean attachProgram, boolean trackFrames,
                           CounterAllocator counters, int steeringRules) {

    /** How many steering rules the steering program holds unless told otherwise. */
    public static final int DEFAULT_STEERING_RULES = 64;

    public enum CopyMode { AUTO, COPY, ZERO_COPY }

    public AfXdpOptions {
        if (ringSize < 64 || ringSize > (1 << 16) || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two in 64..65536, not " + ringSize);
        }
        if (framesInFlight < 1) {
            throw new IllegalArgumentException("frames in flight must be positive, not " + framesInFlight);
        }
        if (copyMode == null || xdpMode == null) {
            throw new IllegalArgumentException("copy mode and XDP mode must be given");
        }
        if (counters == null) {
            counters = CounterAllocator.inMemory();
        }
        if (steeringRules < 1 || steeringRules > XdpPrograms.MAX_STEERING_RULES) {
            throw new IllegalArgumentException("steering rules must be in 1.." + XdpPrograms.MAX_STEERING_RULES + ", not "
                    + steeringRules);
        }
    }

    /** Options with the default number of steering rules. */
    public AfXdpOptions(CopyMode copyMode, XdpMode xdpMode, int ringSize, int framesInFlight, boolean needWakeup,
                        boolean steering, boolean attachProgram, boolean trackFrames, CounterAllocator counters) {
        this(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, steering, attachProgram, trackFrames, counters,
                DEFAULT_STEERING_RULES);
    }

    /** Options with counters in this process's memory. */
    public AfXdpOptions(CopyMode copyMode, XdpMode xdpMode, int ringSize, int framesInFlight, boolean needWakeup,
                        boolean steering, boolean attachProgram, boolean trackFrames) {
        this(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, steering, attachProgram, trackFrames,
                CounterAllocator.inMemory());
    }

    public static AfXdpOptions defaults() {
        return new AfXdpOptions(CopyMode.AUTO, XdpMode.AUTO, 2048, 512, true, false, true, false,
                CounterAllocator.inMemory());
    }

    public AfXdpOptions withCopyMode(CopyMode m) {
        return new AfXdpOptions(m, xdpMode, ringSize, framesInFlight, needWakeup, steering, attachProgram, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withXdpMode(XdpMode m) {
        return new AfXdpOptions(copyMode, m, ringSize, framesInFlight, needWakeup, steering, attachProgram, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withRingSize(int n) {
        return new AfXdpOptions(copyMode, xdpMode, n, framesInFlight, needWakeup, steering, attachProgram, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withFramesInFlight(int n) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, n, needWakeup, steering, attachProgram, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withNeedWakeup(boolean on) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, framesInFlight, on, steering, attachProgram, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withSteering(boolean on) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, on, attachProgram, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withAttachProgram(boolean on) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, steering, on, trackFrames,
                counters, steeringRules);
    }

    public AfXdpOptions withTrackFrames(boolean on) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, steering, attachProgram, on,
                counters, steeringRules);
    }

    /** Allocates each queue's port counters from {@code allocator} (e.g. a counters file). */
    public AfXdpOptions withCounters(CounterAllocator allocator) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, steering, attachProgram, trackFrames,
                allocator, steeringRules);
    }

    /**
     * Sizes the steering program for {@code n} rules (e.g. one per VIP of a load balancer): adding
     * one more is an {@link IllegalStateException}.
     */
    public AfXdpOptions withSteeringRules(int n) {
        return new AfXdpOptions(copyMode, xdpMode, ringSize, framesInFlight, needWakeup, steering, attachProgram, trackFrames,
                counters, n);
    }
}
