/**
 * Ports without a kernel: in-process {@link dev.sluice.drivers.memory.MemoryPort} pairs over one
 * UMEM (tests, benchmarks, the pipeline's own links), and {@link dev.sluice.drivers.memory.SimulatedXskPort},
 * a real AF_XDP queue whose kernel side is played in memory.
 */
package dev.sluice.drivers.memory;
