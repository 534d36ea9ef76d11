package dev.sluice.pipeline.runtime;

import dev.sluice.drivers.Port;
import dev.sluice.pipeline.hash.Toeplitz;
import dev.sluice.umem.FrameOwnership;

import java.lang.foreign.MemorySegment;

/**
 * The shape of a pipeline every worker is built from, fixed at start.
 *
 * @param ports      every port, by index
 * @param ownerOf    by port: the stage-0 worker that receives from and transmits on it
 * @param stageSize  by stage: its workers
 * @param umem       the memory all ports share
 * @param burst      packets per burst
 * @param hashing    spread flows by this hash (null: no hashing)
 * @param ownership  where frame hand-overs between workers are recorded (null: nowhere)
 * @param links      the rings between workers
 */
record Topology(Port[] ports, int[] ownerOf, int[] stageSize, MemorySegment umem, int burst, Toeplitz hashing,
                FrameOwnership ownership, Links links) {
    int stages() {
        return stageSize.length;
    }
}
