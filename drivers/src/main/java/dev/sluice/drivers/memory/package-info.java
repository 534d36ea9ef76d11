/**
 * In-process ports: {@link dev.sluice.drivers.memory.MemoryPorts#pair} connects two
 * {@link dev.sluice.drivers.memory.MemoryPort}s over one UMEM (descriptors through SPSC rings, frames
 * from one {@link dev.sluice.umem.SharedFramePool}), a stand-in for hardware in tests and
 * benchmarks; {@link dev.sluice.drivers.memory.SimulatedXskPort} runs a real AF_XDP queue against
 * the simulated kernel side, on the calling thread.
 */
package dev.sluice.drivers.memory;
