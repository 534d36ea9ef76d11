package dev.sluice.lb.control;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.xdp.XdpMode;

import dev.sluice.pipeline.runtime.IdleStrategies;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How {@link LoadBalancer#start} runs a configuration (what the configuration file does not say:
 * it says what to balance, these say how this process does it). Immutable; change with the
 * {@code with*} methods.
 *
 * @param xdpMode         how the steering program attaches (AUTO: native, else generic)
 * @param copyMode        AF_XDP zero-copy or copy (AUTO: zero-copy where the driver has it)
 * @param burst           packets per burst, 1..1024
 * @param framesPerQueue  UMEM frames per RX queue (at least 128: two bursts of 64, received and sent)
 * @param ringSize        entries in each of a queue's XSK rings (a power of two, 64..65536)
 * @param framesInFlight  frames kept posted to a queue's FILL ring (16..framesPerQueue / 2): the
 *                        frames the kernel can receive into while the queue's worker is off its CPU
 * @param counters        where the counters live (a counters file for {@code sluice stat}, or memory)
 * @param refreshInterval how often backends' and next hops' MACs are re-read from the kernel
 * @param resolveWait     how long {@link LoadBalancer#start} waits for MACs the kernel does not know
 *                        yet before it lets traffic in (a backend still unresolved then takes no new
 *                        flows until it is)
 * @param cpus            CPUs to pin the workers to, one each (null: not pinned)
 * @param log             control-plane messages for the operator (a backend without a MAC, ...)
 * @param warmUp          how long {@link LoadBalancer#start} runs the data path over a simulated queue
 *                        before attaching, so that the JIT has compiled it when traffic arrives
 *                        ({@code LbWarmUp}; zero: no warm-up)
 * @param idle            what a worker does when a poll finds no packets: a name
 *                        {@link IdleStrategies#byName} knows (spin, yield, backoff, sleep, noop)
 */
public record LbOptions(XdpMode xdpMode, AfXdpOptions.CopyMode copyMode, int burst, int framesPerQueue,
                        int ringSize, int framesInFlight, CounterAllocator counters, Duration refreshInterval, Duration resolveWait, int[] cpus,
                        Consumer<String> log, Duration warmUp, String idle) {
    /** The warm-up {@link #defaults()} runs: as long as {@code sluice fwd}'s. */
    public static final Duration DEFAULT_WARM_UP = Duration.ofMillis(1500);
    /**
     * The workers' {@link #idle} strategy in {@link #defaults()}: a worker that finds no packets backs
     * off to yielding and parking, so that on a CPU it shares with the kernel's receive work (copy
     * mode, a NAPI thread) it leaves that work the CPU.
     */
    public static final String DEFAULT_IDLE = "backoff";

    public LbOptions {
        Objects.requireNonNull(xdpMode, "xdpMode");
        Objects.requireNonNull(copyMode, "copyMode");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        Objects.requireNonNull(resolveWait, "resolveWait");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(warmUp, "warmUp");
        Objects.requireNonNull(idle, "idle");
        IdleStrategies.byName(idle); // throws IllegalArgumentException naming the strategies
        if (warmUp.isNegative()) {
            throw new IllegalArgumentException("warmUp must not be negative");
        }
        if (burst < 1 || burst > 1024) {
            throw new IllegalArgumentException("burst " + burst + " is outside 1..1024");
        }
        if (framesPerQueue < 128) {
            throw new IllegalArgumentException("framesPerQueue " + framesPerQueue + " is below 128");
        }
        if (ringSize < 64 || ringSize > 65536 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize must be a power of two in 64..65536, not " + ringSize);
        }
        if (framesInFlight < 16 || framesInFlight > framesPerQueue / 2) {
            throw new IllegalArgumentException("framesInFlight must be in 16.." + framesPerQueue / 2 + ", not " + framesInFlight);
        }
        if (refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("refreshInterval must be positive");
        }
    }

    /**
     * Automatic XDP and copy modes, bursts of 64, 4096 frames per queue of which 512 in the FILL
     * ring, rings of 2048 entries, MACs refreshed every second,
     * a {@link #DEFAULT_WARM_UP} warm-up.
     */
    public static LbOptions defaults() {
        return new LbOptions(XdpMode.AUTO, AfXdpOptions.CopyMode.AUTO, 64, 4096, 2048, 512, CounterAllocator.inMemory(),
                Duration.ofSeconds(1), Duration.ofSeconds(3), null, message -> System.err.println("sluice lb: " + message), DEFAULT_WARM_UP,
                DEFAULT_IDLE);
    }

    public LbOptions withXdpMode(XdpMode m) {
        return new LbOptions(m, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, cpus, log, warmUp, idle);
    }

    /** UMEM frames per queue, XSK ring entries and frames kept in the FILL ring (see the record's parameters). */
    public LbOptions withRings(int framesPerQueue, int ringSize, int framesInFlight) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval,
                resolveWait, cpus, log, warmUp, idle);
    }

    public LbOptions withCopyMode(AfXdpOptions.CopyMode m) {
        return new LbOptions(xdpMode, m, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, cpus, log, warmUp, idle);
    }

    public LbOptions withBurst(int n) {
        return new LbOptions(xdpMode, copyMode, n, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, cpus, log, warmUp, idle);
    }

    public LbOptions withCounters(CounterAllocator c) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, c, refreshInterval, resolveWait, cpus, log, warmUp, idle);
    }

    public LbOptions withRefreshInterval(Duration d) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, d, resolveWait, cpus, log, warmUp, idle);
    }

    public LbOptions withResolveWait(Duration d) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, d, cpus, log, warmUp, idle);
    }

    public LbOptions withCpus(int... c) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, c, log, warmUp, idle);
    }

    public LbOptions withLog(Consumer<String> l) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, cpus, l, warmUp, idle);
    }

    /** The warm-up before attaching ({@link Duration#ZERO}: none). */
    public LbOptions withIdle(String strategy) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, cpus, log,
                warmUp, strategy);
    }

    public LbOptions withWarmUp(Duration d) {
        return new LbOptions(xdpMode, copyMode, burst, framesPerQueue, ringSize, framesInFlight, counters, refreshInterval, resolveWait, cpus, log, d, idle);
    }
}
