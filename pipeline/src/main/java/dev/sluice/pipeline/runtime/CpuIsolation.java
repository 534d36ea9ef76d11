package dev.sluice.pipeline.runtime;

import dev.sluice.sys.LibC;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Keeps the JVM's other threads (JIT compilers, GC, the reporter, anything created later by them)
 * off the CPUs of the pinned workers, so that housekeeping never preempts a worker: the workers
 * are pinned to their CPUs, every other thread of the process to the remaining ones. Threads
 * created afterwards inherit their creator's mask. Does nothing when no CPU would remain.
 */
final class CpuIsolation {
    private CpuIsolation() {
    }

    /** @return threads moved off the worker CPUs */
    static int keepOthersOff(int[] workerCpus, Set<Long> workerTids) {
        int available = Runtime.getRuntime().availableProcessors();
        int[] others = java.util.stream.IntStream.range(0, available)
                .filter(c -> Arrays.stream(workerCpus).noneMatch(p -> p == c)).toArray();
        if (others.length == 0) {
            return 0;
        }
        int moved = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                long tid = Long.parseLong(task.getFileName().toString());
                if (!workerTids.contains(tid) && LibC.setThreadAffinity((int) tid, others)) {
                    moved++;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return moved; // best effort: isolation is an optimisation, never a reason to fail
        }
        return moved;
    }
}
