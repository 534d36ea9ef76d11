/**
 * Flow hashing in software: {@link dev.sluice.pipeline.hash.Toeplitz}, the RSS hash NICs compute
 * (Microsoft key, or a symmetric key for stateful handlers), and
 * {@link dev.sluice.pipeline.hash.FlowHasher}, which finds the addresses and ports with
 * {@link dev.sluice.proto.HeaderWalk} (the parser's and the steering program's walk) and hashes them
 * in NIC order. Allocation-free per packet.
 */
package dev.sluice.pipeline.hash;
