/**
 * Flow hashing in software, the way NICs spread flows over queues: the Toeplitz hash of RSS
 * ({@link dev.sluice.pipeline.hash.Toeplitz}) over a packet's addresses and ports
 * ({@link dev.sluice.pipeline.hash.FlowHasher}).
 */
package dev.sluice.pipeline.hash;
