package dev.sluice.benchmarks.pipeline;

import dev.sluice.sys.LibC;
import org.agrona.concurrent.Agent;

/** The baseline of the pipeline benchmarks: a plain forwarding loop on an agent thread of its own. */
final class LoopAgent implements Agent {
    private final PlainForwardLoop loop;
    private final int cpu;

    /** @param cpu the CPU its thread is pinned to when it starts, or -1 */
    LoopAgent(PlainForwardLoop loop, int cpu) {
        this.loop = loop;
        this.cpu = cpu;
    }

    @Override
    public void onStart() {
        if (cpu >= 0) {
            LibC.pinCurrentThread(cpu);
        }
    }

    @Override
    public int doWork() {
        return loop.doWork();
    }

    @Override
    public String roleName() {
        return "forward-loop";
    }
}
