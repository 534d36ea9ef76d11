/**
 * JMH benchmark of the user-space side of the AF_XDP data path (the forwarding loop over a queue
 * whose kernel side is simulated). Figures and their history: {@code benchmarks/README.md}.
 */
package dev.sluice.benchmarks.afxdp;
