/**
 * JMH benchmarks of the descriptor rings: two-thread SPSC and MPSC throughput with shared
 * producer/consumer/burst state, the one-thread instruction cost of the SPSC ring, and DPDK's
 * two-core ring test for comparison. Figures and their history: {@code benchmarks/README.md}.
 */
package dev.sluice.benchmarks.ring;
