package dev.sluice.benchmarks.ring;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The parameters every two-thread ring benchmark's group state shares: the burst size and what a
 * side does after a call that moved nothing ({@code none}: call again at once; {@code pause}: one
 * {@code Thread.onSpinWait()} first, as DPDK's ring_perf does). Subclasses add the ring.
 */
@State(Scope.Group)
public abstract class RingBurstState {
    @Param({"1", "8", "32"})
    public int burst;
    @Param({"none", "pause"})
    public String backoff;
    boolean pause;

    @Setup(Level.Trial)
    public void parseBackoff() {
        pause = RingBenchmarks.pause(backoff);
    }
}
